package localefix

import "testing"

func TestFix(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		want    map[string]string
		changed bool
	}{
		{map[string]string{"LANG": "C.UTF-8"}, map[string]string{"LANG": "en_US.UTF-8"}, true},
		{map[string]string{"LANG": "POSIX", "LC_ALL": "C"}, map[string]string{"LANG": "en_US.UTF-8", "LC_ALL": "en_US.UTF-8"}, true},
		{map[string]string{"LANG": "de_DE.UTF-8"}, map[string]string{"LANG": "de_DE.UTF-8"}, false},
		{map[string]string{"LANG": ""}, map[string]string{"LANG": ""}, false},
		{map[string]string{"LC_MESSAGES": "C.utf8", "LANG": "fr_FR"}, map[string]string{"LC_MESSAGES": "en_US.UTF-8", "LANG": "fr_FR"}, true},
	} {
		env := map[string]string{}
		for k, v := range tc.env {
			env[k] = v
		}
		changed := Fix(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
		if changed != tc.changed {
			t.Errorf("%v: changed = %v", tc.env, changed)
		}
		for k, v := range tc.want {
			if env[k] != v {
				t.Errorf("%v: %s = %q, want %q", tc.env, k, env[k], v)
			}
		}
	}
}
