package picture_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard/logmetrics"
	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard/picture"
)

var (
	red   = color.RGBA{0xd1, 0x32, 0x12, 0xff}
	green = color.RGBA{0x1d, 0x81, 0x02, 0xff}
	blue  = color.RGBA{0x1f, 0x77, 0xb4, 0xff}
)

func render(t *testing.T, d *dashboard.Dashboard, log string) image.Image {
	t.Helper()
	data := &logmetrics.Data{}
	if err := data.Read(strings.NewReader(log)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := picture.Render(&buf, d, data); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	return img
}

func count(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == c {
				n++
			}
		}
	}
	return n
}

const emfLine = `[WebhookFunction] {"_aws":{"CloudWatchMetrics":[{"Namespace":"PeriskopeBridge","Dimensions":[["Function"]],"Metrics":[{"Name":"SignatureRejected"}]}]},"Function":"webhook","SignatureRejected":1}`

func dash(threshold string) *dashboard.Dashboard {
	m := dashboard.Metric{Namespace: "PeriskopeBridge", Name: "SignatureRejected", Stat: "Sum",
		Dims: []dashboard.Dim{{Name: "Function", Value: dashboard.Lit("webhook")}}}
	return &dashboard.Dashboard{Widgets: []dashboard.Widget{
		{Title: "Webhook", Kind: dashboard.Graph, Width: 12, Height: 6, Metrics: []dashboard.Metric{m}},
		{Title: "Alarms", Kind: dashboard.Alarms, Width: 24, Height: 2, Alarms: []dashboard.Alarm{
			{ID: "Rejected", Name: "${AWS::StackName}-rejected", Metric: m, Threshold: threshold, Comparison: "GreaterThanOrEqualToThreshold"}}},
	}}
}

// The bar of a series with data is drawn in the first series colour, and
// the alarm's square in its state's colour.
func TestRenderDrawsBarsAndAlarmStates(t *testing.T) {
	img := render(t, dash("1"), emfLine)
	if w := img.Bounds().Dx(); w != 24*52+2*16 {
		t.Errorf("width = %d, want the 24 dashboard columns", w)
	}
	if count(img, blue) == 0 {
		t.Error("no bar drawn for a series with data")
	}
	if count(img, red) == 0 || count(img, green) != 0 {
		t.Errorf("alarm in ALARM: red pixels %d, green %d", count(img, red), count(img, green))
	}
	img = render(t, dash("5"), emfLine)
	if count(img, green) == 0 || count(img, red) != 0 {
		t.Errorf("alarm OK: red pixels %d, green %d", count(img, red), count(img, green))
	}
}
