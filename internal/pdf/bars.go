package pdf

// Bar is one bar of a bar chart: a label, a value and the text shown at
// the end of the bar. A bar with Hidden set is drawn without length and
// shows only its text (a suppressed count, "<3").
type Bar struct {
	Label  string
	Value  int
	Text   string
	Hidden bool
}

// Bars adds a horizontal bar chart: labels on the left, bars scaled to the
// largest value, each value's text after its bar.
func (d *Doc) Bars(bars []Bar) {
	if !d.ok() || len(bars) == 0 {
		return
	}
	const rowH = 6 * mm
	labelW := contentW * 0.35
	textW := 18 * mm
	barW := contentW - labelW - textW - 2*mm
	max := 0
	for _, b := range bars {
		if !b.Hidden && b.Value > max {
			max = b.Value
		}
	}
	for _, b := range bars {
		d.ensure(rowH)
		label := b.Label
		for d.textWidth(label, sizeFacts) > labelW-2*mm && len([]rune(label)) > 1 {
			r := []rune(label)
			label = string(r[:len(r)-2]) + "…"
		}
		d.drawText(label, margin, d.y, labelW-2*mm, rowH, sizeFacts, alignLeft, greyText)
		w := 0.0
		if !b.Hidden && max > 0 {
			w = barW * float64(b.Value) / float64(max)
		}
		if w > 0 {
			d.rect(margin+labelW, d.y+1*mm, w, rowH-2*mm, 120, 255)
		}
		d.drawText(b.Text, margin+labelW+w+2*mm, d.y, textW, rowH, sizeFacts, alignLeft, greyText)
		d.y += rowH
	}
	d.gap(3 * mm)
}
