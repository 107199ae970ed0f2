"""rtstation.dicom."""
