import assert from "node:assert/strict";
import { parseQuantity, quantityText, quantityValue } from "../../lib/kube/quantity.ts";

Deno.test("quantityValue: decimal and binary suffixes, exponents, signs and fractions", () => {
  assert.equal(quantityValue("2"), 2);
  assert.equal(quantityValue("500m"), 0.5);
  assert.equal(quantityValue("1u"), 1e-6);
  assert.equal(quantityValue("1n"), 1e-9);
  assert.equal(quantityValue("1k"), 1e3);
  assert.equal(quantityValue("1.5G"), 1.5e9);
  assert.equal(quantityValue("1E"), 1e18);
  assert.equal(quantityValue("1Ki"), 1024);
  assert.equal(quantityValue("1.5Gi"), 1.5 * 2 ** 30);
  assert.equal(quantityValue("1Ei"), 2 ** 60);
  assert.equal(quantityValue("1e3"), 1000);
  assert.equal(quantityValue("1E+3"), 1000);
  assert.equal(quantityValue(".5"), 0.5);
  assert.equal(quantityValue("1."), 1);
  assert.equal(quantityValue("-2Mi"), -2 * 2 ** 20);
  assert.equal(quantityValue(" 64Mi "), 64 * 2 ** 20);
});

Deno.test("quantityValue: text that is no quantity is undefined", () => {
  for (const text of ["", "Gi", "1 Gi", "1gi", "1KI", "1e", "1e3k", "1.2.3", "lots", "0x10"]) {
    assert.equal(quantityValue(text), undefined, text);
  }
});

Deno.test("parseQuantity: numbers pass through, text that is no quantity throws", () => {
  assert.equal(parseQuantity(0.5), 0.5);
  assert.equal(parseQuantity("500m"), 0.5);
  assert.throws(() => parseQuantity("1 Gi"), {
    name: "InvalidValueError",
    message: `"1 Gi" is not a Kubernetes quantity (examples: 500m, 2, 1Gi)`,
  });
  assert.equal(quantityText(2), "2");
  assert.equal(quantityText("2Gi"), "2Gi");
});
