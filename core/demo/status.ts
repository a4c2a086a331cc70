// Failures as the API server reports them: a meta/v1 Status object with the HTTP code, a reason
// clients switch on (kubectl prints "Error from server (<reason>): <message>"), and details.

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
  retryAfterSeconds?: number;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  constructor(readonly status: StatusObject) {
    super(status.message);
  }
  get code(): number {
    return this.status.code;
  }
}

export function statusObject(code: number, reason: string, message: string, details?: StatusDetails, metadata: Record<string, unknown> = {}): StatusObject {
  const s: StatusObject = { kind: 'Status', apiVersion: 'v1', metadata, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return s;
}

const err = (code: number, reason: string, message: string, details?: StatusDetails) => new ApiError(statusObject(code, reason, message, details));

/** `pods "x" not found`; details name the resource (plural), as the real server does. */
export const notFound = (group: string, resource: string, name: string) =>
  err(404, 'NotFound', `${group ? `${resource}.${group}` : resource} "${name}" not found`, { name, ...(group ? { group } : {}), kind: resource });

export const pathNotFound = () => err(404, 'NotFound', 'the server could not find the requested resource', {});

export const badRequest = (message: string) => err(400, 'BadRequest', message);

export const unauthorized = () => err(401, 'Unauthorized', 'Unauthorized');

export const methodNotAllowed = () => err(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});

export const notAcceptable = (message: string) => err(406, 'NotAcceptable', message);

export const expired = (message: string) => err(410, 'Expired', message);

export const tooLargeResourceVersion = (requested: number, current: number) =>
  err(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });

export interface ResourceAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** The authorizer's refusal, worded exactly as the real RBAC denial. */
export function forbidden(user: string, attrs: ResourceAttributes | { verb: string; path: string }): ApiError {
  if ('path' in attrs) return err(403, 'Forbidden', `forbidden: User "${user}" cannot ${attrs.verb} path "${attrs.path}"`, {});
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const qualified = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
  const subject = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  return err(403, 'Forbidden', `${subject} is forbidden: User "${user}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.group}" ${scope}`, {
    ...(attrs.name ? { name: attrs.name } : {}),
    ...(attrs.group ? { group: attrs.group } : {}),
    kind: attrs.resource,
  });
}
