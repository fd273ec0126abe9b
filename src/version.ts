/** netforge's version, recorded in every ONNX file it writes. Kept in step with package.json by a test. */
export const NETFORGE_VERSION = '0.1.0';
