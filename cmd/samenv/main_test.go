package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/ops/opscmd"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-local", "-host", "172.17.0.1", "-moto-port", "5001", "-sandbox-port", "4011"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	var f map[string]map[string]string
	if err := json.Unmarshal(out.Bytes(), &f); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if f["Parameters"]["AWS_ENDPOINT_URL"] != "http://172.17.0.1:5001" || f["CreateTicketFunction"]["PERISKOPE_BASE_URL"] != "http://172.17.0.1:4011/v1" {
		t.Errorf("env file = %s", out.String())
	}

	doc, err := os.ReadFile(filepath.Join("..", "..", "internal", "dev", "samenv", "testdata", "describe-stacks.json"))
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run([]string{"-stack", "-"}, bytes.NewReader(doc), &out); err != nil || !strings.Contains(out.String(), "periskope-bridge-dev-TicketsTable-") {
		t.Errorf("-stack -: %v\n%s", err, out.String())
	}
}

func TestRunWantsOneSource(t *testing.T) {
	for _, args := range [][]string{nil, {"-local", "-stack", "x.json"}} {
		if err := run(args, nil, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "exactly one") {
			t.Errorf("%v: error %v, want 'exactly one of -local and -stack'", args, err)
		}
	}
}

// An error is printed with one prefix, naming an empty stack parameter as
// empty.
func TestReportEmptyParameter(t *testing.T) {
	doc := `{"Stacks":[{"StackName":"periskope-bridge-dev","Outputs":[
		{"OutputKey":"TicketsTableName","OutputValue":"t"},{"OutputKey":"ApiKeySecretArn","OutputValue":"a"},
		{"OutputKey":"SigningKeySecretArn","OutputValue":"s"}],
		"Parameters":[{"ParameterKey":"PeriskopeBaseUrl","ParameterValue":""},{"ParameterKey":"PeriskopePhone","ParameterValue":""}]}]}`
	err := run([]string{"-stack", "-"}, strings.NewReader(doc), &bytes.Buffer{})
	if err == nil {
		t.Fatal("an empty PeriskopeBaseUrl and PeriskopePhone were accepted")
	}
	var stderr bytes.Buffer
	opscmd.Exit(&stderr, "samenv", err, 1)
	want := "samenv: stack description: stack periskope-bridge-dev has PeriskopeBaseUrl, PeriskopePhone empty (an empty PeriskopeBaseUrl would send requests to production Periskope)\n"
	if stderr.String() != want {
		t.Errorf("stderr %q\nwant   %q", stderr.String(), want)
	}
}
