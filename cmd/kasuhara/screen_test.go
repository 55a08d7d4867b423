package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runScreen(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := env{getenv: func(string) string { return "" }, stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}
	err := screenCmd(context.Background(), e, args)
	return out.String(), errb.String(), err
}

func TestScreenCommand(t *testing.T) {
	type span struct {
		Start, End int
		Text, Rule string
	}
	type result struct {
		Labels []struct {
			Category, Subtype string
			Severity          int
			Spans             []span
		}
	}
	text := "返金するまで帰らないからな。SNSに晒してやる！"

	// Standard input.
	out, _, err := runScreen(t, text)
	if err != nil {
		t.Fatal(err)
	}
	var got result
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	cats := map[string]bool{}
	for _, l := range got.Labels {
		cats[l.Category+"/"+l.Subtype] = true
		for _, s := range l.Spans {
			if text[s.Start:s.End] != s.Text || s.Rule == "" {
				t.Errorf("span %+v does not point into the input", s)
			}
		}
	}
	for _, want := range []string{"time_place_constraint/refusal_to_leave", "online_defamation/sns_threat"} {
		if !cats[want] {
			t.Errorf("labels %v lack %s", cats, want)
		}
	}

	// A file, and an empty result that is [] rather than null.
	path := filepath.Join(t.TempDir(), "note.txt")
	if err := os.WriteFile(path, []byte("領収書の再発行をお願いします。"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err = runScreen(t, "", path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"labels": []`) {
		t.Errorf("no labels should print an empty list:\n%s", out)
	}

	// Errors.
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		usage bool
		want  string
	}{
		{"two files", "", []string{"a", "b"}, true, "unexpected argument"},
		{"unknown flag", "", []string{"--lang", "ja"}, true, "flag provided but not defined"},
		{"missing file", "", []string{filepath.Join(t.TempDir(), "nope.txt")}, false, "no such file"},
		{"too large", strings.Repeat("あ", (1<<20)/3+1), nil, false, "larger than 1 MiB"},
		{"not UTF-8", "\x82\xa0\x82\xa2", nil, false, "not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runScreen(t, tc.stdin, tc.args...)
			var ue usageError
			if err == nil || errors.As(err, &ue) != tc.usage || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (usage %v), want %q (usage %v)", err, errors.As(err, &ue), tc.want, tc.usage)
			}
			if out != "" {
				t.Errorf("printed %q on error", out)
			}
		})
	}
}
