package audio

/*
#cgo pkg-config: alsa jack
#include <stdarg.h>
#include <alsa/asoundlib.h>
#include <jack/jack.h>

// ALSA's and JACK's libraries print to stderr whenever PortAudio probes a
// card or a JACK server that is not there (about 90 lines on a machine with
// no sound hardware). PortAudio reports the errors that matter through its
// return codes, so the libraries' own messages are dropped.
static void hk_alsa_silent(const char *file, int line, const char *function, int err, const char *fmt, ...) {}
static void hk_jack_silent(const char *msg) {}
static void hk_quiet(void) {
	snd_lib_error_set_handler(hk_alsa_silent);
	jack_set_error_function(hk_jack_silent);
	jack_set_info_function(hk_jack_silent);
}
static void hk_loud(void) {
	snd_lib_error_set_handler(NULL);
	jack_set_error_function(NULL);
	jack_set_info_function(NULL);
}
*/
import "C"

// quietBackends silences (or, with loud, restores) the diagnostic output of
// the ALSA and JACK libraries PortAudio probes. The handlers are the C
// libraries' own process-wide settings.
func quietBackends(loud bool) {
	if loud {
		C.hk_loud()
		return
	}
	C.hk_quiet()
}
