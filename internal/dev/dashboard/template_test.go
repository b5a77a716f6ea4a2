package dashboard_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
	"github.com/periskope-connect/periskope-aws/internal/dev/deployment"
)

func fixture(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("testdata/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestReadTemplate(t *testing.T) {
	tmpl, err := dashboard.ReadTemplate(root, "testdata/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantAlarms := []dashboard.Alarm{
		{ID: "ErrorsAlarm", Name: "${AWS::StackName}-fn-errors", Threshold: "1", Comparison: "GreaterThanOrEqualToThreshold",
			Metric: dashboard.Metric{Namespace: "AWS/Lambda", Name: "Errors", Stat: "Sum",
				Dims: []dashboard.Dim{{Name: "FunctionName", Value: dashboard.Ref("Fn")}}}},
		// A threshold given by a parameter is that parameter's default.
		{ID: "RejectedAlarm", Name: "${AWS::StackName}-rejected", Threshold: "10", Comparison: "GreaterThanThreshold",
			Metric: dashboard.Metric{Namespace: "Product", Name: "Rejected", Stat: "Sum",
				Dims: []dashboard.Dim{{Name: "Function", Value: dashboard.Lit("fn")}}}},
	}
	if !reflect.DeepEqual(tmpl.Alarms, wantAlarms) {
		t.Errorf("Alarms =\n%+v\nwant\n%+v", tmpl.Alarms, wantAlarms)
	}
	if want := []deployment.Route{{Method: "POST", Path: "/things", Timeout: 30 * time.Second}}; !reflect.DeepEqual(tmpl.Routes, want) {
		t.Errorf("Routes = %+v, want %+v", tmpl.Routes, want)
	}
	if want := []string{"ByChat"}; !reflect.DeepEqual(tmpl.Indexes["Table"], want) {
		t.Errorf("Indexes[Table] = %v, want %v", tmpl.Indexes["Table"], want)
	}
	if tmpl.Types["Api"] != "AWS::Serverless::HttpApi" || tmpl.Parameters["StageName"] != "dev" {
		t.Errorf("Types = %v, Parameters = %v", tmpl.Types, tmpl.Parameters)
	}
}

// Each mutation of the valid fixture is refused with ErrTemplate.
func TestReadTemplateRefuses(t *testing.T) {
	for name, mutate := range map[string]func(string) string{
		"no resources": func(s string) string { return strings.Replace(s, "Resources:", "Other:", 1) },
		"metric math": func(s string) string {
			return strings.Replace(s, "      Namespace: Product\n", "      Metrics: []\n      Namespace: Product\n", 1)
		},
		"no metric name": func(s string) string { return strings.Replace(s, "      MetricName: Rejected\n", "", 1) },
		"not YAML":       func(s string) string { return s + "\n  - [" },
		// A route the dashboard would not chart is refused, not skipped.
		"schedule event": func(s string) string {
			return strings.Replace(s, "          Properties: {ApiId", "        Timer:\n          Type: Schedule\n          Properties: {Schedule: rate(1 hour)}\n        Post2:\n          Type: HttpApi\n          Properties: {ApiId", 1)
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "template.yaml")
			if err := os.WriteFile(path, []byte(mutate(fixture(t))), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := dashboard.ReadTemplate(root, path); !errors.Is(err, dashboard.ErrTemplate) {
				t.Fatalf("err = %v, want ErrTemplate", err)
			}
		})
	}
}

func TestSplice(t *testing.T) {
	text := fixture(t)
	d := &dashboard.Dashboard{Name: "${AWS::StackName}-${StageName}", Widgets: []dashboard.Widget{{Title: "T", Width: 24, Height: 6,
		Metrics: []dashboard.Metric{{Namespace: "N", Name: "M", Stat: "Sum", Dims: []dashboard.Dim{{Name: "D", Value: dashboard.Lit("costs ${5}")}}}}}}}
	once, err := dashboard.Splice([]byte(text), d)
	if err != nil {
		t.Fatal(err)
	}
	twice, err := dashboard.Splice(once, d)
	if err != nil {
		t.Fatal(err)
	}
	if string(once) != string(twice) {
		t.Error("splicing twice changed the template")
	}
	got := string(once)
	if strings.Contains(got, "old: content") || !strings.Contains(got, "Type: AWS::CloudWatch::Dashboard") {
		t.Errorf("the block between the markers was not replaced:\n%s", got)
	}
	// A literal ${ would be read by Fn::Sub as a reference; it is escaped.
	if !strings.Contains(got, `"costs ${!5}"`) {
		t.Errorf("literal ${ not escaped for Fn::Sub:\n%s", got)
	}
	before, _, _ := strings.Cut(text, dashboard.BeginMarker)
	_, after, _ := strings.Cut(text, dashboard.EndMarker+"\n")
	if !strings.HasPrefix(got, before) || !strings.HasSuffix(got, after) {
		t.Error("text outside the markers changed")
	}
	if _, err := dashboard.Splice([]byte("Resources: {}\n"), d); !errors.Is(err, dashboard.ErrNoMarkers) {
		t.Errorf("err = %v, want ErrNoMarkers", err)
	}
}
