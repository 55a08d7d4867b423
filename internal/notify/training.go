package notify

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/kasuhara/kasuhara/internal/jobs"
)

// KindTrainingMail is the job kind of a training reminder mail.
const KindTrainingMail = "training_mail"

// Training reminder stages.
const (
	TrainingDueSoon = "due_soon" // the course is due within a week
	TrainingOverdue = "overdue"  // the due date has passed
)

// TrainingMailJob is the payload of a training reminder: the course's
// title and due date, nothing about the person but the address.
type TrainingMailJob struct {
	ID     string   `json:"id"`
	To     []string `json:"to"`
	Lang   string   `json:"lang"`
	Stage  string   `json:"stage"`
	Course string   `json:"course"`
	Due    string   `json:"due"` // 2027-03-31
}

var trainingTexts = map[string]map[string]string{
	TrainingDueSoon: {
		"ja": "研修の期限が近づいています",
		"en": "A training course is due soon",
	},
	TrainingOverdue: {
		"ja": "研修の期限を過ぎています",
		"en": "A training course is overdue",
	},
	"due": {
		"ja": "期限",
		"en": "Due",
	},
	"footer": {
		"ja": "Kasuhara にログインして、研修を受講してください。",
		"en": "Sign in to Kasuhara to take the course.",
	},
}

// TrainingMailFor is the reminder mail of j in its language.
func TrainingMailFor(j TrainingMailJob, baseURL string) Message {
	lang := mailLang(j.Lang)
	title := trainingTexts[j.Stage][lang]
	subject := title + mailFixed["colon"][lang] + j.Course
	text := signed(subject+"\n"+trainingTexts["due"][lang]+mailFixed["colon"][lang]+writtenDay(j.Due, lang)+"\n"+
		strings.TrimRight(baseURL, "/")+"/training\n\n"+trainingTexts["footer"][lang], lang)
	return Message{To: j.To, Subject: subject, Text: text, Lang: lang, ID: j.ID + "." + recipientsHash(j.To)}
}

// TrainingMailHandler runs "training_mail" jobs with m.
func TrainingMailHandler(m *Mailer, baseURL string) func(context.Context, json.RawMessage) error {
	return jobHandler("training mail", func(ctx context.Context, j TrainingMailJob) error {
		if j.ID == "" || len(j.To) == 0 || !slices.Contains([]string{TrainingDueSoon, TrainingOverdue}, j.Stage) {
			return jobs.Permanent(errors.New("notify: training mail: incomplete job"))
		}
		return send(ctx, m, TrainingMailFor(j, baseURL))
	})
}
