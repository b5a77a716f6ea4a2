package benchkit

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie/rietest"
)

// A cold start whose environment was lost is tried again with the event of
// the next attempt, not the same one: the lost attempt may have claimed its
// key or stored its ticket, and a replay is not a cold start's answer. The
// first attempt's emulator is killed before its invocation; the echo
// function returns the event it got.
func TestColdSampleTriesALostStartAgainWithTheNextEvent(t *testing.T) {
	emulator, echo, err := rietest.Build(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := rie.Config{Emulator: emulator, Name: "Echo", Bootstrap: echo, Timeout: 10 * time.Second}
	var asked []int
	payload := func(attempt int) ([]byte, error) {
		asked = append(asked, attempt)
		return []byte(`{"attempt":` + string(rune('0'+attempt)) + `}`), nil
	}
	started := 0
	killFirst := func(emulatorPID int) error {
		if started++; started == 1 {
			return syscall.Kill(emulatorPID, syscall.SIGKILL)
		}
		return nil
	}
	res, retried, lost, err := ColdSample(context.Background(), cfg, payload, killFirst, 0)
	if err != nil {
		t.Fatal(err)
	}
	if retried != 1 || lost != 0 || len(asked) != 2 || asked[0] != 1 || asked[1] != 2 {
		t.Errorf("retried %d, lost %d, events asked for attempts %v; want one retry and attempts [1 2]", retried, lost, asked)
	}
	if !strings.Contains(string(res.Payload), `"attempt":2`) {
		t.Errorf("the sample answered %s, want the second attempt's event", res.Payload)
	}
}
