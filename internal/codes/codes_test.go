package codes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEmbeddedTables(t *testing.T) {
	tb := MustEmbedded()
	if tb.Version != "2026.2" {
		t.Errorf("version %q", tb.Version)
	}
	for district, want := range map[string]string{"110117": "110100", "110105": "110000", "130104": "130100", "130983": "130900", "120116": "120000"} {
		if got, ok := tb.BureauForDistrict(district); !ok || got != want {
			t.Errorf("BureauForDistrict(%s) = %s, %v; want %s", district, got, ok, want)
		}
	}
	if _, ok := tb.BureauForDistrict("310000"); ok {
		t.Error("Shanghai is inside the region")
	}
	if f, ok := tb.Food("1901100000"); !ok || !f.Registration {
		t.Errorf("infant formula: %+v %v", f, ok)
	}
	if f, ok := tb.Food("1901900000"); ok && f.Registration {
		t.Errorf("1901 other needs registration: %+v", f)
	}
	for hs, want := range map[string]bool{"1201900000": true, "1201100000": false, "1005901000": true, "1005100000": false, "0101210000": false} {
		if _, ok := tb.Grain(hs); ok != want {
			t.Errorf("Grain(%s) = %v, want %v (longest prefix; seed for sowing is not grain)", hs, ok, want)
		}
	}
	if !tb.IsHazchemHS("2801100000", "101") || tb.IsHazchemHS("2801100000", "999") {
		t.Error("hazchem HS+CIQ pairs")
	}
	if e := tb.UN["1170"]; len(e.PackingGroups) != 2 {
		t.Errorf("UN 1170 packing groups %v", e.PackingGroups)
	}
	if tb.UnitByName["千克"] != "035" || tb.UnitByRec20["KGM"] != "035" || tb.TransportByCustoms["2"] != "sea" {
		t.Error("unit or transport mapping")
	}
	if tb.OfficeForCustoms("0217") != "120100" {
		t.Error("Dongjiang office")
	}
	if !tb.Bureaus["131000"].PilotZone || len(tb.Bureaus["120000"].Inspectors) != 4 {
		t.Error("bureau directory")
	}
}

func TestLoadDirReplacesTablesAndRefusesBrokenOnes(t *testing.T) {
	dir := t.TempDir()
	entries, _ := embedded.ReadDir("tables")
	for _, e := range entries {
		b, _ := embedded.ReadFile("tables/" + e.Name())
		os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "VERSION"), []byte("2027.1\n"), 0o644)
	tb, err := LoadDir(dir)
	if err != nil || tb.Version != "2027.1" {
		t.Fatalf("LoadDir: %v %v", tb, err)
	}
	os.WriteFile(filepath.Join(dir, "districts.csv"), []byte("prefix,bureau\n14,999999\n"), 0o644)
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "unknown bureau") {
		t.Errorf("broken districts accepted: %v", err)
	}
	os.Remove(filepath.Join(dir, "units.csv"))
	if _, err := LoadDir(dir); err == nil {
		t.Error("missing table accepted")
	}
}
