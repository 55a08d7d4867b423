package web

import (
	"net/http"

	"github.com/kasuhara/kasuhara"
	"github.com/kasuhara/kasuhara/internal/notify"
)

// Chat notifications (issue 25): a person's own destinations on the
// notifications page, the organisation's channels on /admin/chat. The
// store decides who may do what; a refused form is drawn again with its
// field errors.

// chatFields are the text fields of the add-a-destination forms.
var chatFields = []string{"kind", "target", "label", "lang"}

// chatKinds are the services a form offers: LINE WORKS only when the
// operator set up the bot, and a talk room only for an organisation.
func (s *Server) chatKinds(org bool) []string {
	var out []string
	for _, k := range notify.ChatKinds {
		if !notify.IsWebhookChat(k) && !s.ChatLineWorks {
			continue
		}
		if k == notify.ChatLineWorksChannel && !org {
			continue
		}
		out = append(out, k)
	}
	return out
}

// addMyChat adds a destination of the viewer's own.
func (s *Server) addMyChat(w http.ResponseWriter, r *http.Request) error {
	v := viewerFrom(r.Context())
	_, err := s.Chat.AddChatDestination(r.Context(), v.Actor, kasuhara.NewChatDestination{Personal: true,
		Kind: r.PostFormValue("kind"), Target: r.PostFormValue("target"), Label: r.PostFormValue("label")})
	if kasuhara.ErrorCode(err) == kasuhara.EINVALID {
		return s.notificationsView(w, r, http.StatusUnprocessableEntity, &page{Flash: "form.fix", FlashKind: "error",
			Form: s.newForm(r, err, chatFields...)})
	}
	if err != nil {
		return err
	}
	return s.done(w, r, "notifications.chat_added", "/notifications#chat")
}

// testMyChat sends a test message to one of the viewer's destinations.
func (s *Server) testMyChat(w http.ResponseWriter, r *http.Request) error {
	if err := s.Chat.TestChatDestination(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id")); err != nil {
		return err
	}
	return s.done(w, r, "notifications.chat_test_sent", "/notifications#chat")
}

// deleteMyChat removes one of the viewer's destinations.
func (s *Server) deleteMyChat(w http.ResponseWriter, r *http.Request) error {
	if err := s.Chat.DeleteChatDestination(r.Context(), viewerFrom(r.Context()).Actor, r.PathValue("id")); err != nil {
		return err
	}
	return s.done(w, r, "notifications.chat_deleted", "/notifications#chat")
}

// adminChatPage draws /admin/chat for org.
func (s *Server) adminChatPage(w http.ResponseWriter, r *http.Request, status int, tree []kasuhara.Org, org *kasuhara.Org, p *page) error {
	v := viewerFrom(r.Context())
	ds, err := s.Chat.OrgChatDestinations(r.Context(), v.Actor, org.ID)
	if err != nil {
		return err
	}
	p.Title, p.Nav = "admin.chat.title", "admin"
	p.Data = map[string]any{"Orgs": tree, "Org": org, "Destinations": ds, "Kinds": s.chatKinds(true), "LineWorks": s.ChatLineWorks}
	if p.Form == nil {
		p.Form = &form{Values: map[string]string{"lang": "ja"}, Errors: map[string]string{}}
	}
	return s.render(w, r, status, "admin_chat", p)
}

func (s *Server) adminAddChat(w http.ResponseWriter, r *http.Request) error {
	return s.adminForm(w, r, s.adminChatPage, chatFields, "notifications.chat_added", "/admin/chat", func(v *viewer, org *kasuhara.Org) error {
		_, err := s.Chat.AddChatDestination(r.Context(), v.Actor, kasuhara.NewChatDestination{OrgID: org.ID,
			Kind: r.PostFormValue("kind"), Target: r.PostFormValue("target"), Label: r.PostFormValue("label"), Lang: r.PostFormValue("lang")})
		return err
	})
}

func (s *Server) adminTestChat(w http.ResponseWriter, r *http.Request) error {
	return s.adminAction(w, r, "notifications.chat_test_sent", "/admin/chat", func(v *viewer, org *kasuhara.Org) error {
		return s.Chat.TestChatDestination(r.Context(), v.Actor, r.PathValue("id"))
	})
}

func (s *Server) adminDeleteChat(w http.ResponseWriter, r *http.Request) error {
	return s.adminAction(w, r, "notifications.chat_deleted", "/admin/chat", func(v *viewer, org *kasuhara.Org) error {
		return s.Chat.DeleteChatDestination(r.Context(), v.Actor, r.PathValue("id"))
	})
}
