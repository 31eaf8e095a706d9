/** Why the Cloopen simulator refused a request body; it answers with the invalid-parameter code. */
export class RequestBodyError extends Error {
  override readonly name = 'RequestBodyError';
}

/** The mobile is taken: the Baijiayun simulator answers code 1 "手机号已存在". */
export class DuplicateMobileError extends Error {
  override readonly name = 'DuplicateMobileError';
}

/** The email is taken by another sub-account: the Baijiayun simulator answers code 1 "邮箱已存在". */
export class DuplicateEmailError extends Error {
  override readonly name = 'DuplicateEmailError';
}
