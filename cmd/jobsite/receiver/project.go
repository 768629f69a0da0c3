package receiver

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ProjectStatus is where a project stands. Airlock sees a project as
// ongoing (and lets its researchers create and submit requests) only in
// the two ongoing statuses.
type ProjectStatus string

// The statuses of a project, in the order the Edit page offers them.
const (
	StatusOngoing           ProjectStatus = "ongoing"
	StatusOngoingLinked     ProjectStatus = "ongoing-linked"
	StatusPostponed         ProjectStatus = "postponed"
	StatusRetired           ProjectStatus = "retired"
	StatusCompletedLinked   ProjectStatus = "completed-linked"
	StatusCompletedAwaiting ProjectStatus = "completed-awaiting"
)

// statusInfo is what people are told about a status.
type statusInfo struct {
	Status ProjectStatus
	Label  string
	Needs  string // what the status needs, shown on the Edit page
}

var projectStatuses = []statusInfo{
	{StatusOngoing, "Ongoing", "The project is running. Researchers release outputs through airlock."},
	{StatusOngoingLinked, "Ongoing – paper/report linked", "The project is running and has a paper or report out. Link it in the description."},
	{StatusPostponed, "Postponed", "Work has stopped for now. Say why in the description, and when it may resume. Airlock then treats the project as inactive."},
	{StatusRetired, "Retired", "The project stopped before it was completed. Say why in the description. Airlock then treats the project as inactive."},
	{StatusCompletedLinked, "Completed – paper/reports linked", "The work is finished and its papers or reports are out. Link them in the description. Every workspace needs a purpose first."},
	{StatusCompletedAwaiting, "Completed – awaiting paper/reports", "The work is finished and its papers or reports are still to come. Every workspace needs a purpose first."},
}

func statusInfoOf(s ProjectStatus) (statusInfo, bool) {
	for _, i := range projectStatuses {
		if i.Status == s {
			return i, true
		}
	}
	return statusInfo{}, false
}

// Label is the status as people read it.
func (s ProjectStatus) Label() string {
	if i, ok := statusInfoOf(s); ok {
		return i.Label
	}
	return string(s)
}

// Valid reports whether s is one of the statuses.
func (s ProjectStatus) Valid() bool { _, ok := statusInfoOf(s); return ok }

// Ongoing reports whether airlock should treat the project as ongoing.
func (s ProjectStatus) Ongoing() bool { return s == StatusOngoing || s == StatusOngoingLinked }

// Completed reports whether the project is finished.
func (s ProjectStatus) Completed() bool {
	return s == StatusCompletedLinked || s == StatusCompletedAwaiting
}

// maxDescription bounds a status description, in characters.
const maxDescription = 5000

// linkRE finds a web address in a description, written bare or as a
// Markdown link.
var linkRE = regexp.MustCompile(`https?://[^\s<>()\[\]]+\.[^\s<>()\[\]]+`)

// checkProjectStatus says why a project may not be given status with
// description, or "" when it may: postponed and retired need a reason,
// linked statuses a link, and completing needs every workspace to have a
// purpose (withoutPurpose names those that have none).
func checkProjectStatus(status ProjectStatus, description string, withoutPurpose []string) string {
	text := strings.TrimSpace(description)
	switch {
	case !status.Valid():
		return "Choose one of the statuses."
	case !utf8.ValidString(description):
		return "The description is not valid text."
	case utf8.RuneCountInString(description) > maxDescription:
		return fmt.Sprintf("The description is longer than %d characters.", maxDescription)
	case (status == StatusPostponed || status == StatusRetired) && text == "":
		return fmt.Sprintf("A %s project needs a reason: say why in the description.", strings.ToLower(status.Label()))
	case (status == StatusOngoingLinked || status == StatusCompletedLinked) && !linkRE.MatchString(text):
		return "Link the paper or report in the description (an address starting with https://)."
	case status.Completed() && len(withoutPurpose) > 0:
		return fmt.Sprintf("A project can only be completed when every workspace has a purpose. Add one to %s first.", strings.Join(withoutPurpose, ", "))
	}
	return ""
}

// maxPurpose bounds a workspace's purpose, in characters.
const maxPurpose = 2000

// checkPurpose says why purpose may not be a workspace's purpose, or "".
// An empty purpose is allowed (it only stops the project completing).
func checkPurpose(purpose string) string {
	switch {
	case !utf8.ValidString(purpose):
		return "The purpose is not valid text."
	case utf8.RuneCountInString(purpose) > maxPurpose:
		return fmt.Sprintf("The purpose is longer than %d characters.", maxPurpose)
	}
	return ""
}
