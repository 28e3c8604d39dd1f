"""One CSV row read as Go's ``encoding/csv`` reads it (ParseCSV's strict and lazyQuotes modes).

Go reads records line by line; a newline outside quotes starts a new record, and OTTL then
joins the records back into one row (the last field of a record continues with ``\\n`` and the
first field of the next). Strict mode refuses a bare ``"`` in an unquoted field and stray
quotes in a quoted one, with Go's ``parse error on line L, column C`` messages.
"""

from __future__ import annotations

__all__ = ["CSVError", "read_csv_row"]


class CSVError(ValueError):
    pass


def _error(line: int, column: int, what: str, start_line: int) -> CSVError:
    where = f"parse error on line {line}, column {column}: {what}"
    if start_line != line:
        where = f"record on line {start_line}; " + where
    return CSVError(f"read csv line: {where}")


def _records(text: str, comma: str, lazy: bool) -> list[list[str]]:
    lines = text.replace("\r\n", "\n").split("\n")
    records: list[list[str]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if line == "":
            continue
        start_line = index
        fields: list[str] = []
        pos = 0
        while True:
            if not line.startswith('"', pos):
                end = line.find(comma, pos)
                field = line[pos:] if end < 0 else line[pos:end]
                if not lazy and '"' in field:
                    column = len(line[: pos + field.index('"')].encode("utf-8", "surrogatepass")) + 1
                    raise _error(index, column, 'bare " in non-quoted field', start_line)
                fields.append(field)
                if end < 0:
                    break
                pos = end + len(comma)
                continue
            # Quoted field, possibly spanning lines.
            pos += 1
            parts: list[str] = []
            while True:
                quote = line.find('"', pos)
                if quote >= 0:
                    parts.append(line[pos:quote])
                    after = quote + 1
                    if line.startswith('"', after):
                        parts.append('"')
                        pos = after + 1
                    elif line.startswith(comma, after):
                        pos = after + len(comma)
                        fields.append("".join(parts))
                        break
                    elif after >= len(line):
                        pos = -1
                        fields.append("".join(parts))
                        break
                    elif lazy:
                        parts.append('"')
                        pos = after
                    else:
                        column = len(line[:after].encode("utf-8", "surrogatepass")) + 1
                        raise _error(index, column, 'extraneous or missing " in quoted-field', start_line)
                elif index < len(lines):
                    parts.append(line[pos:] + "\n")
                    line = lines[index]
                    index += 1
                    pos = 0
                else:
                    if not lazy:
                        column = len(line.encode("utf-8", "surrogatepass")) + 1
                        raise _error(index, column, 'extraneous or missing " in quoted-field', start_line)
                    parts.append(line[pos:])
                    fields.append("".join(parts))
                    pos = -1
                    break
            if pos < 0:
                break
            if pos >= len(line):
                # A trailing delimiter ends the record with one empty field.
                fields.append("")
                break
        records.append(fields)
    return records


def read_csv_row(text: str, comma: str, lazy_quotes: bool) -> list[str]:
    records = _records(text, comma, lazy_quotes)
    if not records:
        raise CSVError("no csv lines found")
    row = records[0]
    for record in records[1:]:
        row[-1] += "\n" + record[0]
        row.extend(record[1:])
    return row
