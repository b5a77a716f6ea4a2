// Package picture draws the dashboard's widgets, filled with the totals of
// a local run (package logmetrics), as a PNG: docs/operate.md's picture of what
// the deployed dashboard shows. A graph becomes one bar per series (the
// whole run is shorter than one of the dashboard's 5-minute periods); the
// alarm widget shows each alarm's state as the alarm would judge the run.
package picture

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"strconv"
	"strings"

	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard"
	"github.com/periskope-connect/periskope-aws/internal/dev/dashboard/logmetrics"
)

// Geometry, in pixels. Text is the 5x7 font at scale 2.
const (
	scale     = 2
	charW     = 6 * scale
	charH     = 7 * scale
	column    = 52 // one of the dashboard's 24 grid columns
	margin    = 16
	headerH   = 64
	titleH    = 34
	lineH     = 22
	padding   = 10
	valueW    = 10 * charW
	labelLen  = 25 // characters of a series label
	alarmCols = 2
)

var (
	background = color.RGBA{0xf2, 0xf3, 0xf3, 0xff}
	panel      = color.RGBA{0xff, 0xff, 0xff, 0xff}
	border     = color.RGBA{0xd5, 0xdb, 0xdb, 0xff}
	ink        = color.RGBA{0x16, 0x19, 0x1f, 0xff}
	faint      = color.RGBA{0x87, 0x95, 0x96, 0xff}
	stateColor = map[logmetrics.State]color.RGBA{
		logmetrics.StateOK:     {0x1d, 0x81, 0x02, 0xff},
		logmetrics.StateAlarm:  {0xd1, 0x32, 0x12, 0xff},
		logmetrics.StateNoData: {0x87, 0x95, 0x96, 0xff},
	}
	// palette follows CloudWatch's default series colours.
	palette = []color.RGBA{
		{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
		{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	}
)

// Render writes the PNG of d's widgets filled with data.
func Render(w io.Writer, d *dashboard.Dashboard, data *logmetrics.Data) error {
	placed, height := layout(d.Widgets)
	img := image.NewRGBA(image.Rect(0, 0, 24*column+2*margin, height+margin))
	fill(img, img.Bounds(), background)
	text(img, margin, margin, "PERISKOPE BRIDGE DASHBOARD - LOCAL RUN", ink)
	text(img, margin, margin+charH+10, fmt.Sprintf("template.yaml's dashboard widgets, totals of %d local log lines (make load; make dashboard)", data.Lines), faint)
	for _, p := range placed {
		drawWidget(img, p.rect, p.widget, data)
	}
	return png.Encode(w, img)
}

type placedWidget struct {
	widget dashboard.Widget
	rect   image.Rectangle
}

// layout flows the widgets on the 24-column grid as the dashboard does, each
// row as tall as its tallest panel's content.
func layout(widgets []dashboard.Widget) ([]placedWidget, int) {
	var out []placedWidget
	x, y, rowH := 0, headerH, 0
	var row []int
	flush := func() {
		for _, i := range row {
			out[i].rect.Max.Y = out[i].rect.Min.Y + rowH
		}
		y += rowH + margin
		x, rowH, row = 0, 0, nil
	}
	for _, w := range widgets {
		if x+w.Width > 24 {
			flush()
		}
		left := margin + x*column
		out = append(out, placedWidget{widget: w, rect: image.Rect(left, y, left+w.Width*column-margin/2, y)})
		row = append(row, len(out)-1)
		rowH = max(rowH, contentHeight(w))
		x += w.Width
	}
	flush()
	return out, y
}

func contentHeight(w dashboard.Widget) int {
	lines := len(w.Metrics)
	if w.Kind == dashboard.Alarms {
		lines = (len(w.Alarms) + alarmCols - 1) / alarmCols
	}
	return titleH + lines*lineH + padding
}

func drawWidget(img *image.RGBA, r image.Rectangle, w dashboard.Widget, data *logmetrics.Data) {
	fill(img, r, border)
	fill(img, r.Inset(1), panel)
	text(img, r.Min.X+padding, r.Min.Y+padding, w.Title, ink)
	top := r.Min.Y + titleH
	if w.Kind == dashboard.Alarms {
		drawAlarms(img, r, top, w.Alarms, data)
		return
	}
	values := make([]float64, len(w.Metrics))
	known := make([]bool, len(w.Metrics))
	peak := 0.0
	for i, m := range w.Metrics {
		values[i], known[i] = data.Stat(m)
		peak = max(peak, values[i])
	}
	barLeft := r.Min.X + padding + (labelLen+1)*charW
	barMax := r.Max.X - padding - valueW - barLeft
	for i, m := range w.Metrics {
		y := top + i*lineH
		c := palette[i%len(palette)]
		text(img, r.Min.X+padding, y, clip(m.Legend(), labelLen), ink)
		if !known[i] {
			text(img, barLeft, y, "no local source", faint)
			continue
		}
		width := 0
		if peak > 0 {
			width = int(float64(barMax) * values[i] / peak)
		}
		fill(img, image.Rect(barLeft, y, barLeft+max(width, 2), y+charH), c)
		text(img, barLeft+max(width, 2)+charW, y, format(values[i], m.Stat), ink)
	}
}

func drawAlarms(img *image.RGBA, r image.Rectangle, top int, alarms []dashboard.Alarm, data *logmetrics.Data) {
	colW := (r.Dx() - 2*padding) / alarmCols
	rows := (len(alarms) + alarmCols - 1) / alarmCols
	for i, a := range alarms {
		x := r.Min.X + padding + (i/rows)*colW
		y := top + (i%rows)*lineH
		state := data.AlarmState(a)
		fill(img, image.Rect(x, y, x+charH, y+charH), stateColor[state])
		text(img, x+charH+charW, y, clip(displayName(a), 30), ink)
		text(img, x+charH+charW+31*charW, y, string(state), stateColor[state])
	}
}

// displayName is the alarm's name without the stack name CloudFormation
// puts in front of it.
func displayName(a dashboard.Alarm) string {
	if name, ok := strings.CutPrefix(a.Name, "${AWS::StackName}-"); ok {
		return name
	}
	if a.Name == "" {
		return a.ID
	}
	return a.Name
}

// format prints a total, or milliseconds for a duration statistic.
func format(v float64, stat string) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if v != float64(int64(v)) {
		s = strconv.FormatFloat(v, 'f', 1, 64)
	}
	if strings.HasPrefix(stat, "p") || stat == "Average" {
		return s + " ms"
	}
	return s
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "."
	}
	return s
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// text draws s with its top-left corner at (x, y).
func text(img *image.RGBA, x, y int, s string, c color.Color) {
	for _, r := range s {
		g := glyph(r)
		for row, bits := range g {
			for col, bit := range bits {
				if bit == '#' {
					fill(img, image.Rect(x+col*scale, y+row*scale, x+(col+1)*scale, y+(row+1)*scale), c)
				}
			}
		}
		x += charW
	}
}
