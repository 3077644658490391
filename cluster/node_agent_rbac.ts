import type { KubeClient } from "../lib/kube/client.ts";
import type { ResourceType } from "../lib/kube/resource.ts";
import { nodeUser } from "./pki.ts";

/**
 * The node agent's permissions. A real kubelet is confined by the Node authorizer, which we do not
 * run (authorization is RBAC only); instead the agent's user `system:node:<name>` gets one
 * ClusterRole covering a kubelet's and a scheduler's duties. Everyone else stays under plain RBAC.
 */

const clusterRoles: ResourceType = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural: "clusterroles",
  kind: "ClusterRole",
  namespaced: false,
};

const clusterRoleBindings: ResourceType = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural: "clusterrolebindings",
  kind: "ClusterRoleBinding",
  namespaced: false,
};

export const NODE_AGENT_ROLE = "flinkop:node-agent";

export async function applyNodeAgentRbac(client: KubeClient, nodeName: string): Promise<void> {
  const apply = { fieldManager: "flinkop-cluster", force: true };
  await client.patch(
    clusterRoles,
    undefined,
    NODE_AGENT_ROLE,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: NODE_AGENT_ROLE },
      rules: [
        // Read anything: annotations on a pod's owner chain (ReplicaSet, Deployment, custom
        // resources) steer the simulator, and owners can be of any kind.
        { apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"] },
        // Kubelet and scheduler duties, plus what simulated Flink does through the agent's client
        // (TaskManager pods, HA ConfigMaps, services).
        {
          apiGroups: [""],
          resources: [
            "pods",
            "pods/status",
            "pods/binding",
            "pods/eviction",
            "nodes",
            "nodes/status",
            "events",
            "configmaps",
            "services",
            "endpoints",
            "persistentvolumeclaims",
          ],
          verbs: ["*"],
        },
        { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] },
        { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["*"] },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["*"] },
      ],
    },
    "apply",
    apply,
  );
  await client.patch(
    clusterRoleBindings,
    undefined,
    NODE_AGENT_ROLE,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: NODE_AGENT_ROLE },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: NODE_AGENT_ROLE,
      },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: nodeUser(nodeName) }],
    },
    "apply",
    apply,
  );
}
