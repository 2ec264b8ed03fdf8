/** Path parameters of the per-user routes. */
import { Type } from '@sinclair/typebox';

/** `{user_id}`: the caller's own id (the auth hook answers 403/404 for another's); up to 128 characters, as an identity provider's subject may be long. */
export const UserParams = Type.Object({ user_id: Type.String({ minLength: 1, maxLength: 128 }) });
