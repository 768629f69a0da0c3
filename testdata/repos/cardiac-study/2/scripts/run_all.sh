#!/bin/sh
set -eu
opensafely run run_all
