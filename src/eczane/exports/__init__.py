"""Outputs the pharmacist takes away: the karekod text file, the XLSX workbook, the signed report."""
