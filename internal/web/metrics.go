package web

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus series. Labels are route patterns and
// status codes only: never paths, users or organisations.
type metrics struct {
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	loginFailures  prometheus.Counter
	loginThrottled prometheus.Counter
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kasuhara_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kasuhara_http_request_duration_seconds", Help: "HTTP request duration by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		loginFailures:  prometheus.NewCounter(prometheus.CounterOpts{Name: "kasuhara_login_failures_total", Help: "Failed sign-in attempts."}),
		loginThrottled: prometheus.NewCounter(prometheus.CounterOpts{Name: "kasuhara_login_throttled_total", Help: "Sign-in attempts refused by throttling."}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.loginFailures, m.loginThrottled,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}
