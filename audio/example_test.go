package audio_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/hookphone/hookphone/audio"
)

// A call's audio: open the chosen devices (falling back to the defaults),
// hand Source and Sink to the media engine, tell the user about device
// changes, and close when the call ends.
func ExampleOpenDuplex() {
	ctx := context.Background()
	sys, err := audio.NewSystem(audio.SystemOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer sys.Close()
	d, err := audio.OpenDuplex(ctx, sys, audio.DuplexConfig{
		Choice:    audio.DeviceChoice{Input: "USB Headset", Output: "USB Headset"},
		CodecRate: 8000,
	})
	if err != nil {
		log.Fatal(err) // no sound device at all
	}
	defer d.Close()
	go func() {
		for e := range d.Events() {
			fmt.Println(e) // "input device "USB Headset" not found; using the default …"
		}
	}()
	// session.Start(ctx, d.Source(), d.Sink()) with a media.Session.
	mic, speaker := d.Levels()
	fmt.Printf("mic %.0f dBFS, speaker %.0f dBFS\n", mic.RMS, speaker.RMS)
}

// Ringback while the far end rings: a tone source as the call's sink input.
func ExampleNewToneSource() {
	src, err := audio.NewToneSource(audio.RingbackTone(audio.RegionNorthAmerica), 8000, 6*time.Second)
	if err != nil {
		log.Fatal(err)
	}
	frame := make([]int16, 160)
	on := 0
	for i := 0; i < 300; i++ { // 6 s in 20 ms frames
		src.ReadFrame(frame)
		for _, v := range frame {
			if v != 0 {
				on++
				break
			}
		}
	}
	fmt.Printf("tone on in %d of 300 frames\n", on)
	// Output: tone on in 100 of 300 frames
}
