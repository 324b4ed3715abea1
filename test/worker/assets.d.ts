// Vite's `?inline` asset imports give a base64 data URL of the file: how tests read fixture images in workerd.
declare module '*?inline' {
  const dataUrl: string
  export default dataUrl
}
