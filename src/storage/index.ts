export {
  createDownloader,
  DownloadError,
  type DownloadedImage,
  type Downloader,
  type DownloadSettings,
} from './download.ts';
export { IMAGE_EXTENSIONS, readImageInfo, type ImageInfo, type ImageType } from './image-info.ts';
export { createLocalDiskStorage, isSafeStorageKey, type ImageStorage, type StoredObject } from './storage.ts';
