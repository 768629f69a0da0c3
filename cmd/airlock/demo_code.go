package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/airlock-project/airlock/workspaces/coderepo"
)

// demoRepoOf maps each demo workspace to its repository. legacy-cohort's
// repository is deliberately missing from the demo cache, to show what
// checkers see when the backend lacks a project's code.
var demoRepoOf = map[string]string{
	"cardiac-main":        "cardiac-study",
	"cardiac-sensitivity": "cardiac-study",
	"vaccine-uptake":      "vaccine-study",
	"vaccine-2023":        "vaccine-study",
	"legacy-cohort":       "legacy-cohort",
}

// missingCommit is recorded for outputs whose repository is not cached.
const missingCommit = "0123456789abcdef0123456789abcdef01234567"

// demoRepoURL is the repository URL recorded in a demo manifest.
func demoRepoURL(name string) string { return "https://github.com/example/" + name }

// demoCommits are the commit ids of each demo repository, oldest first.
type demoCommits map[string][]string

// commit returns the commit that produced an output of a repository:
// stale outputs come from the first commit, the others from the last.
func (d demoCommits) commit(repo string, stale bool) string {
	ids := d[repo]
	switch {
	case len(ids) == 0:
		return missingCommit
	case stale:
		return ids[0]
	}
	return ids[len(ids)-1]
}

// writeSampleRepos creates the demo's bare repositories in dir, leaving
// existing ones alone, and returns their commit ids. The repositories are
// built the same way every time, so the ids match manifests written by an
// earlier start.
func writeSampleRepos(dir string) (demoCommits, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	out := demoCommits{}
	for name, commits := range sampleRepos() {
		target := filepath.Join(dir, name+".git")
		_, statErr := os.Stat(target)
		tmp, err := os.MkdirTemp(dir, ".new-"+name+"-")
		if err != nil {
			return nil, err
		}
		ids, err := coderepo.Write(tmp, name, commits)
		if err == nil && errors.Is(statErr, os.ErrNotExist) {
			// A new repository appears whole or not at all; one from an
			// earlier start stays as it is.
			err = os.Rename(filepath.Join(tmp, name+".git"), target)
		}
		os.RemoveAll(tmp)
		if err != nil {
			return nil, fmt.Errorf("write demo repository %s: %w", name, err)
		}
		out[name] = ids
	}
	return out, nil
}

// sampleRepos is the source code of the demo projects: two commits each,
// the first producing the stale outputs.
func sampleRepos() map[string][]coderepo.Commit {
	when := time.Date(2026, 2, 27, 14, 5, 0, 0, time.UTC)
	c := func(msg string, at time.Time, files map[string]string) coderepo.Commit {
		return coderepo.Commit{Message: msg, Author: "Demo Researcher", Email: "researcher@example.org", When: at, Files: files}
	}
	cardiacV1 := map[string]string{
		"project.yaml":                   cardiacProject,
		"README.md":                      "# Cardiac outcomes study\n\nThe main analysis and a sensitivity analysis of cardiac events.\n",
		"analysis/dataset_definition.py": cardiacDataset,
		"analysis/make_tables.R":         cardiacTables,
		"codelists/cardiac-events.csv":   "code,term\nI21,Acute myocardial infarction\nI63,Cerebral infarction\nI50,Heart failure\n",
	}
	cardiacV2 := map[string]string{}
	for k, v := range cardiacV1 {
		cardiacV2[k] = v
	}
	cardiacV2["analysis/model.do"] = cardiacModel
	cardiacV2["analysis/queries/regions.sql"] = "-- Regions with their populations, for rates.\nSELECT region, SUM(population) AS population\nFROM practices\nGROUP BY region;\n"
	cardiacV2["scripts/run_all.sh"] = "#!/bin/sh\nset -eu\nopensafely run run_all\n"
	cardiacV2["analysis/make_tables.R"] = cardiacTables + "\n# Round every count to the nearest 5 before writing.\ncounts$events <- round(counts$events / 5) * 5\n"

	vaccineV1 := map[string]string{
		"project.yaml":                   "version: \"4.0\"\n\nactions:\n  generate_outputs:\n    run: r:latest analysis/uptake.R\n    outputs:\n      moderately_sensitive:\n        tables: output/*.csv\n",
		"analysis/uptake.R":              "library(dplyr)\n\nuptake <- read.csv(\"output/dataset.csv\") |>\n  group_by(week) |>\n  summarise(vaccinated = sum(vaccinated))\n",
		"analysis/dataset_definition.py": "from ehrql import create_dataset\nfrom ehrql.tables.core import patients\n\ndataset = create_dataset()\ndataset.define_population(patients.exists_for_patient())\n",
	}
	vaccineV2 := map[string]string{}
	for k, v := range vaccineV1 {
		vaccineV2[k] = v
	}
	vaccineV2["analysis/summary.md"] = "# Uptake summary\n\nWritten by `uptake.R`; all counts rounded to 5.\n"
	return map[string][]coderepo.Commit{
		"cardiac-study": {
			c("First version of the cardiac analysis", when, cardiacV1),
			c("Add the Cox model and round counts to 5", when.Add(26*time.Hour), cardiacV2),
		},
		"vaccine-study": {
			c("Weekly uptake", when.Add(-72*time.Hour), vaccineV1),
			c("Add the summary", when.Add(-48*time.Hour), vaccineV2),
		},
	}
}

const cardiacProject = `version: "4.0"

actions:
  generate_dataset:
    run: ehrql:v1 generate-dataset analysis/dataset_definition.py --output output/dataset.csv.gz
    outputs:
      highly_sensitive:
        dataset: output/dataset.csv.gz

  generate_outputs:
    run: r:latest analysis/make_tables.R
    needs: [generate_dataset]
    outputs:
      moderately_sensitive:
        tables: output/tables/*.csv
        figures: output/figures/*.png
`

const cardiacDataset = `from ehrql import create_dataset, codelist_from_csv
from ehrql.tables.core import clinical_events, patients

cardiac = codelist_from_csv("codelists/cardiac-events.csv", column="code")

dataset = create_dataset()
dataset.define_population(patients.date_of_birth < "2006-01-01")
dataset.age = patients.age_on("2024-01-01")
dataset.had_event = clinical_events.where(
    clinical_events.snomedct_code.is_in(cardiac)
).exists_for_patient()
`

const cardiacTables = `library(dplyr)
library(readr)

dataset <- read_csv("output/dataset.csv.gz")

counts <- dataset |>
  group_by(region, week) |>
  summarise(events = sum(had_event), population = n())

write_csv(counts, "output/tables/counts_by_region.csv")
`

const cardiacModel = `* Cox model of time to first cardiac event.
use "output/dataset.dta", clear
stset follow_up_days, failure(had_event)
stcox age i.region
estimates store main
`
