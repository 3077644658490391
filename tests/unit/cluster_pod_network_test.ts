import assert from "node:assert/strict";
import {
  controllerManagerArgs,
  CONTROLLERS,
  controllersFor,
  ENDPOINT_CONTROLLERS,
} from "../../cluster/component_flags.ts";
import { currentNetns, describeNetns, inNetns, netnsOfPid } from "../../cluster/netns.ts";
import { pkiLayout } from "../../cluster/pki.ts";

Deno.test("controller manager: endpoint controllers run only with a pod CIDR", () => {
  const loopback = controllersFor(undefined);
  for (const c of ENDPOINT_CONTROLLERS) {
    assert.ok(CONTROLLERS.includes(c), `${c} is a known controller`);
    assert.ok(!loopback.includes(c), `${c} is off with loopback pod addresses`);
  }
  assert.ok(loopback.includes("deployment-controller"));
  assert.deepEqual(controllersFor("10.244.0.0/16"), CONTROLLERS);
  const args = controllerManagerArgs({
    pki: pkiLayout("/pki"),
    kubeconfig: "/k",
    controllers: loopback,
  });
  assert.ok(args.includes(`--controllers=${loopback.join(",")}`), args.join(" "));
});

Deno.test("network namespaces: ids, names and the ip netns exec prefix", () => {
  const ours = currentNetns();
  assert.match(ours ?? "", /^net:\[\d+\]$/);
  assert.equal(netnsOfPid(Deno.pid), ours);
  assert.equal(netnsOfPid(2 ** 22 + 1), undefined, "no such pid");
  assert.deepEqual(inNetns("flinkop-test", ["deno", "test"]), [
    "ip",
    "netns",
    "exec",
    "flinkop-test",
    "deno",
    "test",
  ]);
  assert.equal(describeNetns("net:[1]"), "network namespace net:[1]");
});
