/** A member of staff: the stable id (Cognito sub) decides who is who; the e-mail is what people read. */
export interface Staff {
  id: string;
  email: string;
  /** `ops:<email>`: how audit records name them. */
  actor: string;
}

export const staffMember = (id: string, email: string): Staff => ({ id, email, actor: `ops:${email}` });
