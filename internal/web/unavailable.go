package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/i18n"
)

// Unavailable answers a request that the process does not let reach the
// routes for now (cmd/kasuhara's schemaGate, during a rolling upgrade): 503
// with Retry-After, as every error is answered on the surface it came to:
// SCIM's error message on /scim/, the API's JSON error (EUNAVAILABLE), or
// the error page in the person's language (their language cookie, or
// their browser's; no session is read).
func (s *Server) Unavailable(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Round(time.Second)/time.Second)))
	err := &kasuhara.Error{Code: kasuhara.EUNAVAILABLE, Message: "the server takes no writes for now"}
	if strings.HasPrefix(r.URL.Path, "/scim/") {
		s.scimWriteError(w, r, &scimError{status: http.StatusServiceUnavailable, detail: s.Catalog.Localizer("en").T("error." + kasuhara.EUNAVAILABLE)})
		return
	}
	cookie := ""
	if c, err := r.Cookie("lang"); err == nil {
		cookie = c.Value
	}
	lang := i18n.Negotiate("", cookie, r.Header.Get("Accept-Language"))
	w.Header().Add("Vary", "Accept-Language")
	s.writeError(w, r.WithContext(context.WithValue(r.Context(), keyLang, lang)), err)
}
