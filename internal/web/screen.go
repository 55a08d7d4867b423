package web

import (
	"net/http"
	"slices"

	"github.com/kasuhara/kasuhara/internal/screen"
)

// maxScreenText bounds the text of one screening request, in bytes.
const maxScreenText = 64 << 10

// screenReport screens what the customer said and asked for.
func screenReport(conduct, request string) screen.Result {
	text := conduct + "\n" + request
	if len(text) > maxScreenText {
		text = text[:maxScreenText]
	}
	return screen.Default().Screen(text)
}

// suggestKinds answers the report form as the employee types: the kinds of
// conduct the text seems to contain, each with the words that suggest it.
// It only suggests: the employee decides what to tick.
func (s *Server) suggestKinds(w http.ResponseWriter, r *http.Request) error {
	res := screenReport(r.PostFormValue("conduct"), r.PostFormValue("request_content"))
	type suggestion struct {
		Subtype string
		Words   []string
	}
	var out []suggestion
	seen := map[string]bool{}
	threat := false
	for _, l := range res.Labels {
		if l.Severity >= 3 {
			threat = true
		}
		if seen[l.Subtype] || l.Subtype == "" {
			continue
		}
		seen[l.Subtype] = true
		sg := suggestion{Subtype: l.Subtype}
		for _, sp := range l.Spans {
			if len(sg.Words) < 3 && !slices.Contains(sg.Words, sp.Text) {
				sg.Words = append(sg.Words, sp.Text)
			}
		}
		out = append(out, sg)
	}
	return s.renderFragment(w, r, "suggestions", map[string]any{"Suggestions": out, "Threat": threat})
}
