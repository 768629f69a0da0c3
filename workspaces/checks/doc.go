// Package checks reads every cell of an output table and flags what a
// trained output checker would look at first: small and unrounded counts,
// redacted cells that a total gives back, statistics on a handful of
// people, extremes, empty classes and muddled redaction markers (decision
// D17; the rules and their sources are in the reference note on
// disclosure checks). A flag directs a person's judgement, it never
// replaces it.
//
// A Checker is fed the rows of one table (a CSV file, one sheet of a
// workbook, one HTML table) one at a time, in the same streaming pass as
// the summary statistics, and keeps memory bounded by the number of
// columns and of long-table groups, never by the number of rows. A
// TextChecker does the same for the lines of a text file or log. The
// package is pure Go with no I/O: callers hand it cells.
package checks
