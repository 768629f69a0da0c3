import os

def main():
    print("<b>hi</b>")  # comment
