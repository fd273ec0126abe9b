/**
 * Type errors that state the rule they enforce. A value that breaks a rule the types can
 * check is made to meet a `TypeRule<'...'>` instead of the type it should have had, so
 * TypeScript's message quotes the rule:
 *
 *   Type 'number' is not assignable to type 'TypeRule<"this block takes no blockOptions: ...">'.
 *
 * No value has this type: it exists only to be named in an error.
 */
export interface TypeRule<Text extends string> {
  readonly rule: Text;
}
