package tx

import (
	"encoding/json"
	"testing"
	"time"
)

// The spliced journal line is the line encoding/json writes.
func TestEncodeRecordMatchesMarshal(t *testing.T) {
	data, _ := json.Marshal(map[string]any{"rules": []string{"-A X -j ACCEPT", `-m comment --comment "<a&b>"`}, "n": 2})
	for _, r := range []Record{
		{T: "intent", Time: time.Unix(1, 2).UTC(), Seq: 3, Kind: "nat.rules", Obj: "nat:x", Desc: "d", Data: data},
		{T: "intent", Time: time.Unix(1, 2).UTC(), Seq: 4, Kind: "k", Data: json.RawMessage("null")},
		{T: "done", Time: time.Unix(1, 2).UTC(), Seq: 3},
	} {
		got, err := encodeRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(r)
		if string(got) != string(want)+"\n" {
			t.Errorf("encodeRecord:\n%s\njson.Marshal:\n%s", got, want)
		}
	}
}
