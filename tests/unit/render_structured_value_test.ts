import assert from "node:assert/strict";
import {
  decodeFlinkList,
  decodeFlinkMap,
  encodeFlinkList,
  encodeFlinkMap,
} from "../../lib/flink/render/mod.ts";

Deno.test("lists use ; and single quotes like Flink", () => {
  assert.equal(encodeFlinkList(["a", "b"]), "a;b");
  assert.equal(encodeFlinkList(["a;b", "it's", 'say "hi"']), `'a;b';'it''s';'say "hi"'`);
  assert.equal(encodeFlinkList([]), "");
  assert.deepEqual(decodeFlinkList(""), []);
  assert.deepEqual(decodeFlinkList('a; b ;\'c;d\';"e""f"'), ["a", "b", "c;d", 'e"f']);
  assert.deepEqual(decodeFlinkList("a;;b"), ["a", "", "b"]);
});

Deno.test("list items round-trip, including empty and padded ones", () => {
  for (const items of [["x"], ["", "a"], [" padded "], ["--k=v", "a;b;'c'"], ["a:b,c"]]) {
    assert.deepEqual(decodeFlinkList(encodeFlinkList(items)), items);
  }
});

Deno.test("maps use key:value pairs joined with commas", () => {
  assert.equal(encodeFlinkMap({ a: "1", b: "2" }), "a:1,b:2");
  assert.deepEqual(decodeFlinkMap("a:1, b:2"), { a: "1", b: "2" });
  const tricky = { "k:1": "v,2", url: "http://x:80", quote: "it's" };
  assert.deepEqual(decodeFlinkMap(encodeFlinkMap(tricky)), tricky);
  assert.deepEqual(decodeFlinkMap(""), {});
  assert.throws(() => decodeFlinkMap("novalue"), /not a key:value pair/);
  assert.throws(() => decodeFlinkList("'open"), /unclosed quote/);
});
