package e2e

import (
	"net"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// mailSink is a plain SMTP server on 127.0.0.1 that keeps every message it
// is given (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS, no
// AUTH), for counting what the servers sent.
type mailSink struct {
	addr string

	mu      sync.Mutex
	msgs    []string      // each message's data, soft line breaks undone
	gate    chan struct{} // while not nil, MAIL waits until it is closed (hold)
	waiting int           // sessions waiting at the gate
}

// hold makes every MAIL command wait, before it is answered, until
// release: a sender then holds its message unsent, and a sender killed
// meanwhile has sent nothing.
func (s *mailSink) hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
}

// release lets the held MAIL commands go on.
func (s *mailSink) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
}

// held is how many sessions wait at the gate.
func (s *mailSink) held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}

// pass waits at the gate while there is one.
func (s *mailSink) pass() {
	s.mu.Lock()
	g := s.gate
	if g != nil {
		s.waiting++
	}
	s.mu.Unlock()
	if g == nil {
		return
	}
	<-g
	s.mu.Lock()
	s.waiting--
	s.mu.Unlock()
}

// startMailSink starts a sink that stops when the test ends.
func startMailSink(t *testing.T) *mailSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &mailSink{addr: ln.Addr().String()}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *mailSink) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 sink ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO":
			tp.PrintfLine("250-sink")
			tp.PrintfLine("250 8BITMIME")
		case "MAIL":
			s.pass()
			tp.PrintfLine("250 OK")
		case "HELO", "RCPT", "RSET", "NOOP":
			tp.PrintfLine("250 OK")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			data, err := tp.ReadDotLines()
			if err != nil {
				return
			}
			text := strings.ReplaceAll(strings.Join(data, "\n"), "=\n", "")
			s.mu.Lock()
			s.msgs = append(s.msgs, text)
			s.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not here")
		}
	}
}

var (
	reMessageID = regexp.MustCompile(`(?mi)^Message-ID:\s*(\S+)`)
	reCaseLink  = regexp.MustCompile(`/cases/([0-9a-f-]{36})`)
)

// byMessageID counts the messages received under each Message-ID, and
// names the case each links to.
func (s *mailSink) byMessageID() (count map[string]int, caseOf map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	count, caseOf = map[string]int{}, map[string]string{}
	for _, m := range s.msgs {
		id := ""
		if g := reMessageID.FindStringSubmatch(m); g != nil {
			id = g[1]
		}
		count[id]++
		if g := reCaseLink.FindStringSubmatch(m); g != nil {
			caseOf[id] = g[1]
		}
	}
	return count, caseOf
}
