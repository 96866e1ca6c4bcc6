// Command mkicon draws Hookphone's app icon (a hook whose shaft sends out
// sound waves, on an indigo-to-sky tile) and writes it as a PNG. It was run
// once to make assets/icon.png: go run ./tools/mkicon -o assets/icon.png
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

func main() {
	out := flag.String("o", "assets/icon.png", "PNG file to write")
	size := flag.Int("size", 512, "edge length in pixels")
	flag.Parse()
	if err := write(*out, *size); err != nil {
		fmt.Fprintln(os.Stderr, "mkicon:", err)
		os.Exit(1)
	}
}

func write(path string, size int) error {
	img := render(size)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// render draws the icon on a 512-unit canvas scaled to size, 4×4 supersampled.
func render(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	scale := 512 / float64(size)
	const ss = 4
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/ss) * scale
					y := (float64(py) + (float64(sy)+0.5)/ss) * scale
					c := shade(x, y)
					r += c[0] * c[3]
					g += c[1] * c[3]
					b += c[2] * c[3]
					a += c[3]
				}
			}
			n := float64(ss * ss)
			if a > 0 {
				r, g, b = r/a, g/a, b/a
			}
			img.SetNRGBA(px, py, color.NRGBA{u8(r), u8(g), u8(b), u8(a / n)})
		}
	}
	return img
}

func u8(v float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(1, v)) * 255)) }

// shade returns the straight RGBA colour at canvas point (x, y).
func shade(x, y float64) [4]float64 {
	if roundedBox(x, y, 24, 24, 488, 488, 104) > 0 {
		return [4]float64{}
	}
	t := y / 512 // indigo at the top to sky blue at the bottom
	bg := [4]float64{lerp(0.31, 0.05, t), lerp(0.27, 0.55, t), lerp(0.90, 0.82, t), 1}
	white := [4]float64{1, 1, 1, 1}
	amber := [4]float64{0.99, 0.83, 0.35, 1}
	// The hook: shaft, bowl (lower half circle) and barb.
	const stroke = 22.0
	if segment(x, y, 214, 128, 214, 300) < stroke ||
		arc(x, y, 150, 300, 64, 0, math.Pi) < stroke ||
		segment(x, y, 86, 300, 86, 244) < stroke {
		return white
	}
	// The eye at the top of the shaft.
	if d := math.Hypot(x-214, y-78); math.Abs(d-28) < 11 {
		return white
	}
	// Sound waves leaving the shaft.
	for _, r := range []float64{70, 122, 174} {
		if arc(x, y, 232, 214, r, -math.Pi/4, math.Pi/4) < 14 {
			return amber
		}
	}
	return bg
}

func lerp(a, b, t float64) float64 { return a + (b-a)*t }

// roundedBox is the signed distance to a rounded rectangle.
func roundedBox(x, y, x0, y0, x1, y1, r float64) float64 {
	cx, cy := (x0+x1)/2, (y0+y1)/2
	hx, hy := (x1-x0)/2-r, (y1-y0)/2-r
	dx, dy := math.Abs(x-cx)-hx, math.Abs(y-cy)-hy
	out := math.Hypot(math.Max(dx, 0), math.Max(dy, 0))
	return out + math.Min(math.Max(dx, dy), 0) - r
}

// segment is the distance from (x, y) to the segment (x0,y0)–(x1,y1).
func segment(x, y, x0, y0, x1, y1 float64) float64 {
	vx, vy := x1-x0, y1-y0
	t := ((x-x0)*vx + (y-y0)*vy) / (vx*vx + vy*vy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(x-(x0+t*vx), y-(y0+t*vy))
}

// arc is the distance to the circle arc of radius r around (cx, cy) between
// angles a0 and a1 (radians, y down, 0 = right, π/2 = down), round-capped.
func arc(x, y, cx, cy, r, a0, a1 float64) float64 {
	a := math.Atan2(y-cy, x-cx)
	if a >= a0 && a <= a1 {
		return math.Abs(math.Hypot(x-cx, y-cy) - r)
	}
	e0 := math.Hypot(x-(cx+r*math.Cos(a0)), y-(cy+r*math.Sin(a0)))
	e1 := math.Hypot(x-(cx+r*math.Cos(a1)), y-(cy+r*math.Sin(a1)))
	return math.Min(e0, e1)
}
