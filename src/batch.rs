//! Batch answering: a stream of lines in, one answer a line out, in input
//! order, on every core, in flat memory.
//!
//! One thread reads lines into chunks, the workers answer whole chunks, and
//! the caller's thread writes the answers back in input order. The chunks
//! in flight are bounded (a token is taken for each chunk read and given
//! back when its answers are written), so memory does not grow with the
//! input however long it is, or however slow one chunk is.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

/// The longest line answered; a longer one answers an error, and memory
/// stays bounded however long it is.
pub const MAX_LINE: usize = 1024 * 1024;

/// Lines a chunk holds at most: enough to make handing chunks over cheap,
/// few enough that the answers of a chunk are small.
const CHUNK_LINES: usize = 4096;

/// Bytes after which a chunk takes no more lines, so that long lines do not
/// make chunks large.
const CHUNK_BYTES: usize = 1 << 20;

/// One line of the input, as the answering function sees it.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    /// From 1, counting every line, blank ones too.
    pub number: usize,
    pub text: LineText<'a>,
}

#[derive(Debug, Clone, Copy)]
pub enum LineText<'a> {
    /// The line, without its line break.
    Text(&'a str),
    /// Not UTF-8: the bytes as read.
    NotUtf8(&'a [u8]),
    /// Longer than [`MAX_LINE`]; not kept.
    TooLong,
}

/// What went wrong, if anything.
#[derive(Debug)]
pub enum BatchError {
    /// Reading the input failed; the answers before it were written.
    Read(std::io::Error),
    /// The output went away (a closed pipe, a full disk).
    Write(std::io::Error),
}

/// A chunk of lines as read: the bytes, and for each line its number, its
/// place in the bytes and whether it was kept whole.
struct Chunk {
    bytes: Vec<u8>,
    lines: Vec<(usize, usize, usize, bool)>,
}

/// A chunk's answers.
struct Answers {
    bytes: Vec<u8>,
    all_ok: bool,
    lines: usize,
}

enum Message {
    Answers(u64, Answers),
    ReadFailed(u64, std::io::Error),
}

/// Answers every line of `input` with `answer`, which writes a line's answer
/// into the buffer it is given and says whether the line was answered
/// without error. Returns whether every line was; `progress` is told how
/// many bytes have been read and lines answered.
pub fn run<R, F>(
    input: R,
    output: &mut dyn Write,
    threads: usize,
    answer: F,
    progress: impl FnMut(u64, u64),
) -> Result<bool, BatchError>
where
    R: BufRead + Send,
    F: Fn(Line<'_>, &mut Vec<u8>) -> bool + Sync,
{
    run_chunked(
        input,
        output,
        threads,
        |line, out, _: &mut ()| answer(line, out),
        |()| {},
        progress,
    )
}

/// [`run`], with something of the caller's kept for each chunk: `answer`
/// is given the chunk's `S` with each line, and `done` takes it when the
/// chunk is answered (to hand over a chunk's log lines or counts at once
/// rather than line by line).
pub fn run_chunked<R, S, F, D>(
    input: R,
    output: &mut dyn Write,
    threads: usize,
    answer: F,
    done: D,
    mut progress: impl FnMut(u64, u64),
) -> Result<bool, BatchError>
where
    R: BufRead + Send,
    S: Default,
    F: Fn(Line<'_>, &mut Vec<u8>, &mut S) -> bool + Sync,
    D: Fn(S) + Sync,
{
    let threads = threads.max(1);
    let in_flight = 4 * threads;
    let (chunk_tx, chunk_rx) = sync_channel::<(u64, Chunk)>(in_flight);
    let chunk_rx = Arc::new(Mutex::new(chunk_rx));
    let (answer_tx, answer_rx) = sync_channel::<Message>(in_flight);
    let (token_tx, token_rx) = sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        token_tx.send(()).expect("the receiver is here");
    }
    let read = AtomicU64::new(0);
    std::thread::scope(|scope| {
        let read = &read;
        {
            let answer_tx = answer_tx.clone();
            scope.spawn(move || reader(input, chunk_tx, answer_tx, token_rx, read));
        }
        for _ in 0..threads {
            let (chunk_rx, answer_tx) = (Arc::clone(&chunk_rx), answer_tx.clone());
            let (answer, done) = (&answer, &done);
            scope.spawn(move || worker(&chunk_rx, &answer_tx, answer, done));
        }
        drop(answer_tx);
        writer(answer_rx, token_tx, output, |lines| {
            progress(read.load(Ordering::Relaxed), lines)
        })
    })
}

fn reader<R: BufRead>(
    mut input: R,
    chunks: std::sync::mpsc::SyncSender<(u64, Chunk)>,
    answers: std::sync::mpsc::SyncSender<Message>,
    tokens: Receiver<()>,
    read: &AtomicU64,
) {
    let mut number = 0;
    for seq in 0u64.. {
        // wait until a chunk's answers are written before reading another
        if tokens.recv().is_err() {
            return;
        }
        let mut chunk = Chunk {
            bytes: Vec::new(),
            lines: Vec::with_capacity(CHUNK_LINES),
        };
        let mut end_of_input = false;
        while chunk.lines.len() < CHUNK_LINES && chunk.bytes.len() < CHUNK_BYTES {
            let start = chunk.bytes.len();
            match read_line(&mut input, &mut chunk.bytes) {
                Ok((0, _)) => {
                    end_of_input = true;
                    break;
                }
                Ok((n, whole)) => {
                    number += 1;
                    read.fetch_add(n as u64, Ordering::Relaxed);
                    let mut end = chunk.bytes.len();
                    for ending in [b'\n', b'\r'] {
                        if end > start && chunk.bytes[end - 1] == ending {
                            end -= 1;
                        }
                    }
                    chunk.lines.push((number, start, end, whole));
                }
                Err(e) => {
                    if !chunk.lines.is_empty() {
                        let _ = chunks.send((seq, chunk));
                        let _ = answers.send(Message::ReadFailed(seq + 1, e));
                    } else {
                        let _ = answers.send(Message::ReadFailed(seq, e));
                    }
                    return;
                }
            }
        }
        if !chunk.lines.is_empty() && chunks.send((seq, chunk)).is_err() {
            return;
        }
        if end_of_input {
            return;
        }
    }
}

fn worker<S, F, D>(
    chunks: &Mutex<Receiver<(u64, Chunk)>>,
    answers: &std::sync::mpsc::SyncSender<Message>,
    answer: &F,
    done: &D,
) where
    S: Default,
    F: Fn(Line<'_>, &mut Vec<u8>, &mut S) -> bool + Sync,
    D: Fn(S) + Sync,
{
    loop {
        let next = chunks.lock().map(|rx| rx.recv());
        let Ok(Ok((seq, chunk))) = next else { return };
        let mut out = Answers {
            bytes: Vec::with_capacity(chunk.bytes.len() * 2),
            all_ok: true,
            lines: chunk.lines.len(),
        };
        let mut kept = S::default();
        for &(number, start, end, whole) in &chunk.lines {
            let bytes = &chunk.bytes[start..end];
            let text = match std::str::from_utf8(bytes) {
                _ if !whole => LineText::TooLong,
                Ok(text) => LineText::Text(text),
                Err(_) => LineText::NotUtf8(bytes),
            };
            out.all_ok &= answer(Line { number, text }, &mut out.bytes, &mut kept);
        }
        done(kept);
        if answers.send(Message::Answers(seq, out)).is_err() {
            return;
        }
    }
}

/// Writes the answers in input order, giving a token back for each chunk.
fn writer(
    answers: Receiver<Message>,
    tokens: std::sync::mpsc::SyncSender<()>,
    output: &mut dyn Write,
    mut progress: impl FnMut(u64),
) -> Result<bool, BatchError> {
    let mut waiting: BTreeMap<u64, Answers> = BTreeMap::new();
    let mut failed: Option<(u64, std::io::Error)> = None;
    let mut next = 0u64;
    let mut all_ok = true;
    let mut lines = 0u64;
    for message in answers {
        match message {
            Message::Answers(seq, a) => {
                waiting.insert(seq, a);
            }
            Message::ReadFailed(seq, e) => failed = Some((seq, e)),
        }
        while let Some(a) = waiting.remove(&next) {
            output.write_all(&a.bytes).map_err(BatchError::Write)?;
            all_ok &= a.all_ok;
            lines += a.lines as u64;
            next += 1;
            progress(lines);
            // the reader may have stopped; then nobody takes the token
            let _ = tokens.try_send(());
        }
        if failed.as_ref().is_some_and(|(seq, _)| *seq == next) {
            break;
        }
    }
    if let Some((seq, e)) = failed {
        if seq == next {
            output.flush().map_err(BatchError::Write)?;
            return Err(BatchError::Read(e));
        }
    }
    output.flush().map_err(BatchError::Write)?;
    Ok(all_ok)
}

/// Reads one line onto the end of `line`, keeping at most [`MAX_LINE`] bytes
/// of it. Returns the bytes read (0 at the end) and whether the line was
/// kept whole.
pub fn read_line(reader: &mut dyn BufRead, line: &mut Vec<u8>) -> std::io::Result<(usize, bool)> {
    let start = line.len();
    let mut read = 0;
    loop {
        let buffer = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buffer.is_empty() {
            return Ok((read, kept_whole(&line[start..])));
        }
        let (chunk, done) = match buffer.iter().position(|&b| b == b'\n') {
            Some(i) => (&buffer[..=i], true),
            None => (buffer, false),
        };
        // room for the longest line, its line break, and one byte to tell
        // that a line is longer
        let room = (MAX_LINE + 2).saturating_sub(line.len() - start);
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len();
        reader.consume(used);
        read += used;
        if done {
            return Ok((read, kept_whole(&line[start..])));
        }
    }
}

fn kept_whole(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line).len() <= MAX_LINE
}
