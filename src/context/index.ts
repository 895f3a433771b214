/** Context lookups: filling a lookup's URL template from a contact. */
export { fillTemplate } from "./template.ts";
