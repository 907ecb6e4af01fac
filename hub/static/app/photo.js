/* Camera photos are several megabytes; on a poor connection that is minutes. Scale them to
   at most 1600 px and JPEG before queueing; keep the original if the browser cannot decode it. */
const MAX_SIDE = 1600;

export async function shrinkPhoto(file) {
  if (!window.createImageBitmap) return file;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (err) {
    return file;
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.8));
  return blob && blob.size < file.size ? blob : file;
}
