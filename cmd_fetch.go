package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/hookphone/hookphone/config"
	"github.com/hookphone/hookphone/media/audiofile"
	"github.com/hookphone/hookphone/webhookinspector/streamcache"
)

func init() {
	register(command{name: "fetch", summary: "fetch stream audio through the cache and report its cache state", run: runFetch})
}

// fetchResult is the result object of `hookphone fetch --json`: the cache
// report (status, fresh_for_s, bytes, format, duration_s, …) plus error.
type fetchResult struct {
	streamcache.Report
	PlayedTo     string `json:"played_to,omitempty"`     // --play: the WAV written
	PlayedFrames int64  `json:"played_frames,omitempty"` // --play: sample frames decoded into it
	Error        string `json:"error,omitempty"`
}

// playToWAV decodes the fetched body (stored, or held in memory when it was
// not cacheable) into a 16-bit PCM WAV at the file's own rate and channels.
func playToWAV(ctx context.Context, cache *streamcache.Cache, res *streamcache.Result, url, out string) (int64, error) {
	var src io.ReadSeeker
	if res.Body != nil {
		src = bytes.NewReader(res.Body)
	} else {
		f, err := cache.OpenBody(ctx, url)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		src = f
	}
	r, err := audiofile.NewReader(src)
	if err != nil {
		return 0, err
	}
	info := r.Info()
	w, err := audiofile.CreateWAV(out, info.SampleRate, info.Channels)
	if err != nil {
		return 0, err
	}
	buf := make([]int16, 4096*info.Channels)
	for {
		if err := ctx.Err(); err != nil {
			w.Close()
			return 0, err
		}
		n, rerr := r.ReadInt16(buf)
		if err := w.WriteInt16(buf[:n]); err != nil {
			w.Close()
			return 0, err
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			w.Close()
			return 0, rerr
		}
	}
	frames := w.Frames()
	return frames, w.Close()
}

func runFetch(ctx context.Context, cio cliIO, args []string) int {
	fs := newFlagSet(cio, "fetch", "URL [--ca FILE] [--json] [--revalidate] [--play OUT.wav]")
	ca := fs.String("ca", "", "PEM file of a CA to trust on top of the system roots")
	jsonOut := fs.Bool("json", false, "print the result as one JSON object")
	revalidate := fs.Bool("revalidate", false, "ask the server even when the stored copy is still fresh")
	play := fs.String("play", "", "decode the audio and play it into this 16-bit PCM WAV file (the headless speaker)")
	// The URL may come before or after the flags.
	var urls []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitOK
			}
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		urls = append(urls, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(urls) != 1 {
		fmt.Fprintf(cio.stderr, "hookphone fetch: want exactly one URL, got %d\n", len(urls))
		fs.Usage()
		return exitUsage
	}
	if _, err := streamcache.NormalizeURL(urls[0]); err != nil {
		fmt.Fprintf(cio.stderr, "hookphone fetch: %v\n", err)
		return exitUsage
	}
	paths, err := config.DefaultPaths()
	if err != nil {
		return failf(cio, "fetch", "%v", err)
	}
	cache, err := streamcache.Open(ctx, streamcache.Options{Dir: filepath.Join(paths.CacheDir, "streams"), CAFile: *ca})
	if err != nil {
		return failf(cio, "fetch", "%v", err)
	}
	defer cache.Close()
	var opts []streamcache.FetchOption
	if *revalidate {
		opts = append(opts, streamcache.ForceRevalidate())
	}
	res, ferr := cache.Fetch(ctx, urls[0], opts...)
	p := printer{w: cio.stdout, json: *jsonOut}
	out := fetchResult{}
	if res != nil {
		out.Report = res.Report
	} else {
		out.Report = streamcache.Report{URL: urls[0], Format: "unknown"}
	}
	reason := ""
	switch {
	case ferr != nil:
		reason = ferr.Error()
	case out.AudioError != "":
		reason = fmt.Sprintf("%s is not playable audio: %s", streamcache.RedactURL(urls[0]), out.AudioError)
	}
	if reason == "" && *play != "" {
		frames, err := playToWAV(ctx, cache, res, urls[0], *play)
		if err != nil {
			reason = fmt.Sprintf("play %s: %v", streamcache.RedactURL(urls[0]), err)
		} else {
			out.PlayedTo, out.PlayedFrames = *play, frames
		}
	}
	out.Error = reason
	p.event(out, humanFetch(out, res != nil))
	if reason != "" {
		return failf(cio, "fetch", "%s", reason)
	}
	return exitOK
}

func humanFetch(r fetchResult, haveReport bool) string {
	if !haveReport {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", r.URL)
	if r.FinalURL != "" && r.FinalURL != r.URL {
		fmt.Fprintf(&b, "  redirected   to %s (%d hops)\n", r.FinalURL, r.Redirects)
	}
	stored := "not stored"
	if r.Stored {
		stored = "stored"
	}
	fmt.Fprintf(&b, "  status       %s (%s)", r.Status, stored)
	if r.Why != "" {
		fmt.Fprintf(&b, ": %s", r.Why)
	}
	fmt.Fprintf(&b, "\n  freshness    lifetime %d s (%s), age %d s, fresh for %d s, hits %d\n", r.FreshnessS, r.FreshnessSource, r.AgeS, r.FreshForS, r.Hits)
	if r.CacheControl != "" {
		fmt.Fprintf(&b, "  headers      Cache-Control: %s\n", r.CacheControl)
	}
	if r.ETag != "" || r.LastModified != "" || r.Vary != "" {
		fmt.Fprintf(&b, "  validators   ETag %s  Last-Modified %s  Vary %s\n", orDash(r.ETag), orDash(r.LastModified), orDash(r.Vary))
	}
	fmt.Fprintf(&b, "  body         %d bytes, %s\n", r.Bytes, orDash(r.ContentType))
	if r.Format != "unknown" {
		fmt.Fprintf(&b, "  audio        %s %d Hz %d ch", r.Format, r.SampleRate, r.Channels)
		if r.BitDepth > 0 {
			fmt.Fprintf(&b, " %d-bit", r.BitDepth)
		}
		fmt.Fprintf(&b, " %.2f s\n", r.DurationS)
	}
	fmt.Fprintf(&b, "  stream       %s\n", r.StreamNote)
	if r.PlayedTo != "" {
		fmt.Fprintf(&b, "  played       %d frames into %s\n", r.PlayedFrames, r.PlayedTo)
	}
	fmt.Fprintf(&b, "  platform     %s", r.Prediction)
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
