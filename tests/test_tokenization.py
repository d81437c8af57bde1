from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerFast

from culturebench.benchmarks.hofstede.documents import hofstede_items
from culturebench.prompts import PromptCondition, render_dilemma
from culturebench.tokenization import check_choice_grouping


def _prompt():
    return render_dilemma(hofstede_items()[0], PromptCondition(persona="basic", country="FR"))


def test_tiny_model_tokenizer_scores_both_letters_in_one_pass(tiny_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    assert check_choice_grouping(tok, _prompt()).ok
    assert check_choice_grouping(tok, _prompt(), chat_template=True).ok


def test_a_tokenizer_that_merges_only_one_letter_is_caught():
    # BPE that learned " A" as one token but never " B": " B" becomes two tokens, so the two
    # continuations differ before their last token and lm-eval cannot share the forward pass.
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<unk>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(["Answer: A"] * 200 + ["the cat sat on the mat"] * 5, trainer=trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, unk_token="<unk>")
    assert len(tok.encode(" A")) == 1 and len(tok.encode(" B")) == 2
    check = check_choice_grouping(tok, "Pick one.\nAnswer:")
    assert not check.ok and "one forward pass per choice" in check.detail
