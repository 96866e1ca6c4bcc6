// Command gui-peer supports scripts/bench/gui.sh: -window opens a minimal
// Fyne window (the peer the GUI figures are compared with: the same toolkit,
// driver and fonts, a sidebar-less list and a label), and -seed N stores N
// captured webhooks in a Hookphone database (for the RSS figure with the
// Webhooks pane open).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	wi "github.com/hookphone/hookphone/webhookinspector"
)

func main() {
	window := flag.Bool("window", false, "open the minimal Fyne window")
	seed := flag.Int("seed", 0, "store this many webhooks")
	db := flag.String("db", "", "database file for -seed")
	flag.Parse()
	switch {
	case *window:
		runWindow()
	case *seed > 0 && *db != "":
		if err := runSeed(*db, *seed); err != nil {
			fmt.Fprintln(os.Stderr, "gui-peer:", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: gui-peer -window | -seed N -db FILE")
		os.Exit(2)
	}
}

// runWindow is a fyne_demo-like minimal window of the same size as Hookphone's.
func runWindow() {
	a := app.NewWithID("com.hookphone.benchpeer")
	w := a.NewWindow("GUI peer")
	items := make([]string, 200)
	for i := range items {
		items[i] = fmt.Sprintf("row %d", i)
	}
	list := widget.NewList(func() int { return len(items) }, func() fyne.CanvasObject { return widget.NewLabel("row") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(items[i]) })
	w.SetContent(container.NewBorder(widget.NewLabel("A minimal Fyne window"), widget.NewButton("Quit", a.Quit), nil, nil, list))
	w.Resize(fyne.NewSize(1000, 660))
	w.ShowAndRun()
}

// runSeed stores n event webhooks through the real store (group commit:
// 64 writers at once).
func runSeed(path string, n int) error {
	ctx := context.Background()
	st, err := wi.OpenStore(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	start := time.Now().Add(-time.Duration(n) * time.Second)
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				body := fmt.Sprintf(`{"status":"completed","uuid":"u-%d","conversation_uuid":"CON-%d","from":"447700900000","to":"447700900001","timestamp":"2026-11-28T12:00:00.000Z"}`, i, i/5)
				c := &wi.Capture{ReceivedAt: start.Add(time.Duration(i) * time.Second), RemoteAddr: "127.0.0.1:1", Method: "POST",
					Target: "/webhooks/event", Path: "/webhooks/event", Proto: "HTTP/1.1", Host: "127.0.0.1:8088",
					Headers: []wi.Header{{Name: "Content-Type", Value: "application/json"}}, Body: []byte(body),
					BodySize: int64(len(body)), Kind: wi.KindEvent,
					Result: wi.Result{Verdict: wi.VerdictUnsigned, Reason: "The request carries no signature."},
					Event:  wi.Event{Kind: wi.KindEvent, Status: "completed", UUID: fmt.Sprintf("u-%d", i)}}
				if err := st.Add(ctx, c); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}
