package kasuhara

import "slices"

// Playbook returns the task keys a new case starts with: what the company's
// procedure asks for this kind of conduct. Keys are translated for display
// ("task." + key).
func Playbook(r Report) []string {
	has := func(subtypes ...string) bool {
		return slices.ContainsFunc(r.Subtypes, func(s string) bool { return slices.Contains(subtypes, s) })
	}
	tasks := []string{"employee_safe", "supervisor_informed", "facts_recorded"}
	if r.DangerOngoing || has("physical_attack", "threat") {
		tasks = append(tasks, "consider_police", "preserve_recordings")
	}
	if has("long_contact", "refusal_to_leave", "repeated_contact", "summoning") {
		tasks = append(tasks, "time_limit_noted")
	}
	if has("kneeling_demand", "money_demand", "dismissal_demand", "out_of_scope_demand", "personal_info_demand") {
		tasks = append(tasks, "request_validity")
	}
	if slices.Contains(r.Categories, CatOnlineDefamation) {
		tasks = append(tasks, "capture_posts", "consider_takedown")
	}
	if has("filming", "stalking") || slices.Contains(r.Categories, CatOtherHarassment) {
		tasks = append(tasks, "protect_employee_identity")
	}
	if has("repeated_contact", "repeated_inquiry") {
		tasks = append(tasks, "check_customer_history")
	}
	tasks = append(tasks, "second_person", "care_offered")
	return tasks
}

// PlaybookKeys lists every key Playbook can return, for the translation test.
var PlaybookKeys = []string{"employee_safe", "supervisor_informed", "facts_recorded", "consider_police", "preserve_recordings",
	"time_limit_noted", "request_validity", "capture_posts", "consider_takedown", "protect_employee_identity",
	"check_customer_history", "second_person", "care_offered"}

// Urgent reports whether a report needs the desk at once: danger ongoing,
// violence or threats chosen by the reporter or found by screening.
func (r *Report) Urgent() bool {
	return r.DangerOngoing || r.ThreatDetected || slices.ContainsFunc(r.Subtypes, func(s string) bool { return s == "physical_attack" || s == "threat" })
}
