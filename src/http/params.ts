/** Path parameters of the per-user routes (`/api/{user_id}/…`). */
import { Type } from '@sinclair/typebox';

/** The caller's own id (the auth hook answers 403 for another's): up to 128 characters, as an identity provider's subject may be long. */
export const UserId = Type.String({ minLength: 1, maxLength: 128 });
export const UserParams = Type.Object({ user_id: UserId });
export const ProjectParams = Type.Object({
  user_id: UserId,
  project_id: Type.Integer({ minimum: 1, maximum: 2147483647 }),
});
