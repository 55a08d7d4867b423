package screen

import (
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// BenchmarkScreenCPU is BenchmarkScreen timed by the CPU time of the
// thread that screens (getrusage(RUSAGE_THREAD), user and system), not
// by the wall clock: on a shared machine whose load is above its cores,
// wall times measure the other processes, while the screening thread's
// CPU time is what screening costs. It reports MB of text per CPU-second
// (cpu-MB/s; MB = 10⁶ bytes, as -bench's MB/s). The goroutine is locked
// to its thread so that all of the loop's work is counted on it; the
// garbage collector's background work on other threads is not (screening
// allocates two slices per call).
//
//	go test -run '^$' -bench ScreenCPU -cpu 1 -count 3 ./internal/screen/
//
// With SCREEN_CPU_LEXICON set to a lexicon directory (another version's
// internal/screen/lexicon, from git archive or a worktree), every
// iteration also screens the corpus with that lexicon, right after the
// embedded one, and reports it as other-cpu-MB/s: two lexicons compared
// in one process, under the same load, interleaved call by call.
func BenchmarkScreenCPU(b *testing.B) {
	s := Default()
	var other *Screener
	if dir := os.Getenv("SCREEN_CPU_LEXICON"); dir != "" {
		var err error
		if other, err = New(os.DirFS(dir)); err != nil {
			b.Fatalf("SCREEN_CPU_LEXICON: %v", err)
		}
	}
	for _, c := range []struct {
		name  string
		lang  string
		clean bool
	}{
		{"mixed-clean", "", true}, {"mixed", "", false}, {"ja-clean", "ja", true}, {"en-clean", "en", true},
	} {
		text := corpus(b, c.lang, c.clean)
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var cpu, otherCPU time.Duration
			for b.Loop() {
				t0 := threadCPU(b)
				s.Screen(text)
				t1 := threadCPU(b)
				cpu += t1 - t0
				if other != nil {
					other.Screen(text)
					otherCPU += threadCPU(b) - t1
				}
			}
			mb := float64(len(text)) * float64(b.N) / 1e6
			b.ReportMetric(mb/cpu.Seconds(), "cpu-MB/s")
			if other != nil {
				b.ReportMetric(mb/otherCPU.Seconds(), "other-cpu-MB/s")
			}
		})
	}
}

// threadCPU is the CPU time the calling thread has used, user and system.
func threadCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
