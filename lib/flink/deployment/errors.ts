/** The JobManager deployment itself is failing (FKO DeploymentFailedException). */
export class DeploymentFailure extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
    this.name = "DeploymentFailure";
  }
}
