package access

import (
	"slices"

	"github.com/kasuhara/kasuhara"
)

// CaseFacts are the facts about a case that decide who may see it.
type CaseFacts struct {
	OrgID        string
	ReporterID   string
	DepartmentID string
	// DepartmentPath is DepartmentID and the departments above it, nearest
	// first: the supervisor of an area supervises its stores' cases. Nil
	// means DepartmentID alone.
	DepartmentPath []string
	// ViewerExcluded is true when the viewer is named as implicated in the
	// case and so must not see it.
	ViewerExcluded bool
	// HiddenFromSupervisor is the reporter's choice to stay confidential
	// toward the supervisor of their department.
	HiddenFromSupervisor bool
}

// CaseLevel is how much of a case a viewer may see and do.
type CaseLevel int

// Levels, each including the ones below it.
const (
	// CaseNone: the case does not exist for the viewer (404).
	CaseNone CaseLevel = iota
	// CaseReporter: the report as filed, its state and its evidence; may add
	// evidence. Not the desk's notes, assessment or customer contacts.
	CaseReporter
	// CaseSupervisor: everything of a case of the supervisor's department
	// or a department below it; may acknowledge, add notes, contacts, tasks
	// and care.
	CaseSupervisor
	// CaseHandler: desk and legal of the case's organisation: everything.
	CaseHandler
)

// CareReadable reports whether a viewer at level reads the care record of a
// case and the messages between the desk and its reporter: the reporter and
// the handlers do; the supervisor only while the reporter agrees
// (careToSupervisor). Health and care records are the most sensitive data
// the product holds (issue 16, finding 15).
func CareReadable(level CaseLevel, careToSupervisor bool) bool {
	switch level {
	case CaseReporter, CaseHandler:
		return true
	case CaseSupervisor:
		return careToSupervisor
	}
	return false
}

// Case returns the viewer's level for a case. The admin and the analyst see
// no case content except reports they filed themselves.
func Case(v kasuhara.Actor, c CaseFacts) CaseLevel {
	if v.UserID == "" {
		return CaseNone
	}
	level := CaseNone
	if c.ReporterID != "" && c.ReporterID == v.UserID {
		level = CaseReporter
	}
	if c.ViewerExcluded {
		return level
	}
	if v.OrgID == c.OrgID {
		switch {
		case Can(v.Role, HandleCases):
			level = CaseHandler
		case Can(v.Role, SuperviseCases):
			under := v.DepartmentID == c.DepartmentID || slices.Contains(c.DepartmentPath, v.DepartmentID)
			if v.DepartmentID != "" && under && !c.HiddenFromSupervisor {
				level = max(level, CaseSupervisor)
			}
		}
	}
	return level
}
