/** Operator policy that submissions are checked against. */
export interface HostPathRule {
  /** Absolute host directory; its subdirectories are allowed too. */
  path: string;
  readWrite: boolean;
}

export interface SubmissionPolicy {
  /** Glob patterns (`*` wildcard) of allowed images; absent or empty allows every image. */
  allowedImages?: readonly string[];
  /**
   * Host directories that tasks may mount, for the whole cluster. Absent leaves it to each agent's
   * `--allow-local-path` rules (checked when it bids); empty forbids host mounts everywhere.
   */
  allowedHostPaths?: readonly HostPathRule[];
}

/**
 * Never mountable, whatever the allow-list says: the host's root, kernel and device trees, its
 * configuration, and anything that would expose the Docker socket.
 */
export const FORBIDDEN_SUBTREES = ['/proc', '/sys', '/dev', '/etc', '/boot'] as const;
export const DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'] as const;

/**
 * Inside the container: the kernel's and devices' trees that the container runtime mounts itself.
 * The agent never mounts a result path or an input over them.
 */
export const CONTAINER_SYSTEM_TREES = ['/proc', '/sys', '/dev'] as const;
