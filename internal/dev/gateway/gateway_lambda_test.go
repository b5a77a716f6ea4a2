package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/periskope-connect/periskope-aws/internal/dev/rie"
	"github.com/periskope-connect/periskope-aws/internal/dev/rie/rietest"
	"github.com/periskope-connect/periskope-aws/internal/dev/testkit"
)

// The Runtime Interface Emulator and the test function, built by TestMain.
var emulator, echoBootstrap string

func TestMain(m *testing.M) {
	os.Exit(testkit.MainWithDir(m, "gateway-test", func(dir string) (err error) {
		emulator, echoBootstrap, err = rietest.Build(context.Background(), dir)
		return err
	}))
}

// The gateway in front of a real bootstrap under the Runtime Interface Emulator.
func TestGatewayWithARealFunction(t *testing.T) {
	fn, err := rie.New(rie.Config{Emulator: emulator, Name: "EchoFunction", Bootstrap: echoBootstrap, Timeout: time.Second, Output: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer fn.Close()
	srv := httptest.NewServer(newGateway(t, fn, nil))
	defer srv.Close()

	post := func(body string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/tickets", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	t.Run("the function receives the event", func(t *testing.T) {
		resp, body := post(`{"subject":"hello"}`)
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			t.Fatalf("%d %s: %v", resp.StatusCode, body, err)
		}
		if resp.StatusCode != 200 || ev.RouteKey != "POST /tickets" || ev.Body != `{"subject":"hello"}` || ev.Version != "2.0" {
			t.Errorf("status %d, event %+v", resp.StatusCode, ev)
		}
	})
	t.Run("a structured response", func(t *testing.T) {
		resp, body := post(`{"action":"respond","response":{"statusCode":201,"headers":{"content-type":"text/plain","x-a":"b"},"cookies":["c=1"],"body":"aGk=","isBase64Encoded":true}}`)
		if resp.StatusCode != 201 || body != "hi" || resp.Header.Get("X-A") != "b" || resp.Header.Get("Set-Cookie") != "c=1" {
			t.Errorf("got %d %q %v", resp.StatusCode, body, resp.Header)
		}
	})
	for _, action := range []string{"error", "crash", "panic"} {
		t.Run("function "+action, func(t *testing.T) {
			resp, body := post(`{"action":"` + action + `"}`)
			if resp.StatusCode != 500 || body != `{"message":"Internal Server Error"}` {
				t.Errorf("got %d %q, want 500", resp.StatusCode, body)
			}
		})
	}
	t.Run("function timeout", func(t *testing.T) {
		resp, body := post(`{"action":"sleep","ms":3000}`)
		if resp.StatusCode != 500 || body != `{"message":"Internal Server Error"}` {
			t.Errorf("got %d %q, want 500", resp.StatusCode, body)
		}
	})
	// Under HTTP API's 10 MB, over Lambda's 6 MB invoke limit once in the
	// event: API Gateway's 413, not the emulator's refusal as a 500.
	t.Run("event over the invoke limit", func(t *testing.T) {
		resp, body := post(`{"pad":"` + strings.Repeat("x", 7<<20) + `"}`)
		if resp.StatusCode != 413 || body != `{"message":"Request Too Long"}` {
			t.Errorf("got %d %.200q, want 413 Request Too Long", resp.StatusCode, body)
		}
	})
	t.Run("works again after failures", func(t *testing.T) {
		if resp, body := post(`{"action":"sleep","ms":1}`); resp.StatusCode != 200 || !strings.Contains(body, "slept_ms") {
			t.Errorf("got %d %q", resp.StatusCode, body)
		}
	})
}

// An emulator killed in the middle of a request fails that request only:
// the next ones are served by a new execution environment, not answered
// 500 by the dead one.
func TestGatewayAfterAnEmulatorIsKilled(t *testing.T) {
	fn, err := rie.New(rie.Config{Emulator: emulator, Name: "EchoFunction", Bootstrap: echoBootstrap, Timeout: 30 * time.Second, Output: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer fn.Close()
	srv := httptest.NewServer(newGateway(t, fn, nil))
	defer srv.Close()
	post := func(body string) (int, error) {
		resp, err := http.Post(srv.URL+"/tickets", "application/json", strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	inFlight := make(chan int, 1)
	go func() {
		status, _ := post(`{"action":"sleep","ms":20000}`)
		inFlight <- status
	}()
	rietest.Bootstraps(t, fn)
	if err := syscall.Kill(fn.PIDs()[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if status := <-inFlight; status != http.StatusInternalServerError {
		t.Errorf("the request in flight: %d, want 500", status)
	}
	for i := range 5 {
		if status, err := post(`{"action":"sleep","ms":1}`); err != nil || status != http.StatusOK {
			t.Fatalf("request %d after the kill: %d %v, want 200 from a new environment", i, status, err)
		}
	}
}
