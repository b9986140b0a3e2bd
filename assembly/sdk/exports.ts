// What a filter's entry file re-exports (`export * from "../../sdk/exports"`): the ABI marker,
// malloc and the proxy_on_* callbacks. AssemblyScript exports only what the entry file exports.
export * from "./abi/exports";
