// Package content decodes the untrusted bytes of workspace and request files
// into plain Go values: what kind of file it is (Sniff), pages of a table
// (Table, OpenTable), summary statistics of its columns (Stats), the sheets of
// a spreadsheet (OpenWorkbook), pages of text (Lines) and the tail of a log
// with its colours (ReadLog, LogTail, ParseANSI).
//
// Nothing here produces HTML: package ui/viewer turns these values into
// escaped fragments. Every decoder accepts any bytes without panicking, keeps
// its memory bounded by its options rather than by the file's length, and
// explains anything odd it did (padding, replacement, truncation) in Notes
// written for a person, instead of failing.
package content
