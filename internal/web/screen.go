package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/screen"
)

// maxScreenText bounds the text of one screening request, in bytes.
const maxScreenText = 64 << 10

// apiScreen screens {"text":"…"} for target conduct and answers the labels
// (CONTRACT.md, Screening). It suggests; a person assesses. The text is
// never logged or stored.
func (s *Server) apiScreen(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Text string `json:"text"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(req.Text) == "":
		return kasuhara.InvalidField("text", kasuhara.FieldRequired)
	case len(req.Text) > maxScreenText:
		return kasuhara.InvalidField("text", kasuhara.FieldTooLong)
	}
	writeJSON(w, http.StatusOK, screen.Default().Screen(req.Text))
	return nil
}

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
