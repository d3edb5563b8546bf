from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from .imaging import max_upload_bytes


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops receiving a file as soon as it passes PICTURA_MAX_UPLOAD_MB.

    The rest of that file is read and thrown away instead of being spooled to disk, so a 2 GB
    upload costs no disk and no memory. The names of skipped files are kept on
    ``request.oversized_uploads`` so the view can tell the user which files were too large.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > max_upload_bytes():
            if not hasattr(self.request, "oversized_uploads"):
                self.request.oversized_uploads = []
            self.request.oversized_uploads.append(self.file_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the handlers after this one build the file
